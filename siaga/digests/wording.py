"""The fixed phrases of a digest e-mail, in Bahasa Indonesia and English.

Written out here, beside the advice, rather than through the message catalogue: a digest goes to a
constituent's contact (not a user), in the contact's language, and each language is its own text.
"""

from __future__ import annotations

EMAIL: dict[str, dict[str, str]] = {
    "id": {
        "subject": "Ringkasan temuan keamanan untuk {organization}",
        "greeting": "Yth. {name},",
        "intro": (
            "Berikut ringkasan temuan keamanan tentang jaringan {organization} yang diterima CERT "
            "antara {start} dan {end} (UTC). Daftar lengkapnya ada di lampiran CSV."
        ),
        "events": "temuan",
        "what": "Artinya",
        "todo": "Yang perlu dilakukan",
        "link": "Lihat ringkasan ini di Siaga:",
        "reply": "Balas surel ini dengan menyebut nomor tiket {ticket} jika ada pertanyaan.",
        "why": "Anda menerima surel ini karena terdaftar sebagai kontak ringkasan feed.",
    },
    "en": {
        "subject": "Security findings digest for {organization}",
        "greeting": "Dear {name},",
        "intro": (
            "Here is a summary of the security findings about {organization}'s networks that the "
            "CERT received between {start} and {end} (UTC). The full list is in the attached CSV."
        ),
        "events": "findings",
        "what": "What it means",
        "todo": "What to do",
        "link": "See this digest in Siaga:",
        "reply": "Reply to this e-mail quoting ticket {ticket} if you have questions.",
        "why": "You receive this e-mail because you are registered as a feed-digest contact.",
    },
}


def email_texts(language: str) -> dict[str, str]:
    return EMAIL.get(language) or EMAIL["id"]
