"""The embedded broker delivers every message whole, even while a reader races the writer."""

import threading

from kombu import Connection

from siaga.jobs.broker import Transport

MESSAGES = 400


def test_a_reader_racing_a_writer_only_ever_sees_whole_messages(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(tmp_path / "control"),
    }
    received: list[dict] = []

    def write() -> None:
        with Connection(transport=Transport, transport_options=options) as conn:
            simple = conn.SimpleQueue("race")
            for number in range(MESSAGES):
                simple.put({"number": number, "padding": "x" * 2000})
            simple.close()

    with Connection(transport=Transport, transport_options=options) as conn:
        simple = conn.SimpleQueue("race")  # bound before the writer starts publishing
        writer = threading.Thread(target=write)
        writer.start()
        while len(received) < MESSAGES:
            message = simple.get(timeout=30)
            received.append(message.payload)
            message.ack()
        simple.close()
    writer.join()
    assert sorted(m["number"] for m in received) == list(range(MESSAGES))
    assert not list((tmp_path / "staging").iterdir())  # nothing left half-written


def test_the_default_broker_url_uses_the_safe_transport(settings):
    from siaga.celery import app

    if settings.REDIS_URL:
        assert app.conf.broker_url.startswith("redis://")
    else:
        assert app.connection_for_write().transport_cls == "siagafs"
