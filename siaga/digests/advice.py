"""What a finding means for a hospital and what to do about it, in Bahasa Indonesia and English.

Pure data and one lookup, ``advice_for``. The most specific text wins: a known Shadowserver-style
identifier (``accessible-rdp``, ``open-resolver`` ...), then the RSIT type, then the taxonomy
(the RSIT class), then a general text. Each language has its own text, written for the people who
run a hospital's network, not translated word for word.
"""

from __future__ import annotations

from typing import NamedTuple


class Advice(NamedTuple):
    """A title, what it means, and what to do, in one language."""

    title: str
    explanation: str
    remediation: str


# (language → Advice) for one kind of finding.
Texts = dict[str, Advice]

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


def _texts(id_: tuple[str, str, str], en: tuple[str, str, str]) -> Texts:
    return {"id": Advice(*id_), "en": Advice(*en)}


# --- Services that should not face the internet --------------------------------------------------

_RDP = _texts(
    (
        "Remote Desktop (RDP) terbuka ke internet",
        "Layanan Remote Desktop dapat dijangkau dari internet. Peretas terus-menerus mencoba kata "
        "sandi pada layanan ini, dan RDP yang terbuka adalah jalan masuk ransomware yang paling "
        "umum ke rumah sakit.",
        "Tutup port 3389 dari internet di firewall. Gunakan VPN dengan autentikasi dua faktor "
        "untuk akses jarak jauh, aktifkan Network Level Authentication, dan periksa log masuk "
        "Windows untuk percobaan login yang gagal atau berhasil dari alamat asing.",
    ),
    (
        "Remote Desktop (RDP) reachable from the internet",
        "A Remote Desktop service answers from the internet. Attackers try passwords against such "
        "services all day, and exposed RDP is the most common way ransomware gets into hospitals.",
        "Block port 3389 from the internet at the firewall. Offer remote access through a VPN "
        "with two-factor authentication, turn on Network Level Authentication, and check the "
        "Windows sign-in logs for failed or successful logons from unfamiliar addresses.",
    ),
)

_SMB = _texts(
    (
        "Berbagi berkas Windows (SMB) terbuka ke internet",
        "Layanan SMB (port 445) dapat dijangkau dari internet. SMB dipakai oleh worm seperti "
        "WannaCry untuk menyebar dan dapat membocorkan berkas bersama, termasuk data pasien.",
        "Blokir port 139 dan 445 dari internet. Matikan SMBv1, pasang pembaruan keamanan Windows, "
        "dan pastikan folder bersama hanya dapat diakses dari jaringan internal.",
    ),
    (
        "Windows file sharing (SMB) reachable from the internet",
        "An SMB service (port 445) answers from the internet. Worms such as WannaCry spread "
        "through SMB, and it can expose shared folders, patient data included.",
        "Block ports 139 and 445 from the internet. Turn off SMBv1, install Windows security "
        "updates, and make sure shared folders are reachable from the internal network only.",
    ),
)

_TELNET = _texts(
    (
        "Telnet terbuka ke internet",
        "Telnet mengirim nama pengguna dan kata sandi tanpa enkripsi. Perangkat yang menjawab "
        "Telnet (router, kamera, perangkat medis tertanam) sering memakai kata sandi bawaan dan "
        "menjadi bagian botnet.",
        "Matikan Telnet atau blokir port 23 dari internet. Kelola perangkat melalui SSH dari "
        "jaringan manajemen, dan ganti kata sandi bawaan perangkat.",
    ),
    (
        "Telnet reachable from the internet",
        "Telnet sends user names and passwords unencrypted. Devices that answer Telnet (routers, "
        "cameras, embedded medical devices) often keep their factory passwords and end up in "
        "botnets.",
        "Turn Telnet off or block port 23 from the internet. Manage devices over SSH from a "
        "management network, and change factory passwords.",
    ),
)

_DNS = _texts(
    (
        "DNS resolver terbuka",
        "Server DNS Anda menjawab pertanyaan dari siapa pun di internet. Penyerang memakainya "
        "untuk memperbesar serangan DDoS ke pihak lain, dan lalu lintasnya dapat membebani "
        "koneksi internet rumah sakit.",
        "Batasi rekursi hanya untuk alamat jaringan internal (misalnya 'allow-recursion' pada BIND "
        "atau pengaturan Windows DNS), atau blokir port 53 dari internet jika server ini bukan "
        "server DNS publik.",
    ),
    (
        "Open DNS resolver",
        "Your DNS server answers queries from anyone on the internet. Attackers use such servers "
        "to amplify DDoS attacks on others, and the traffic can saturate the hospital's "
        "internet link.",
        "Allow recursion for internal addresses only (for example 'allow-recursion' in BIND or "
        "the Windows DNS settings), or block port 53 from the internet if the server is not meant "
        "to be a public DNS server.",
    ),
)

_NTP = _texts(
    (
        "Server NTP dapat disalahgunakan untuk amplifikasi",
        "Server waktu (NTP) Anda menjawab perintah 'monlist' atau 'version' dari internet. "
        "Jawaban yang jauh lebih besar dari pertanyaannya dipakai untuk serangan DDoS.",
        "Perbarui perangkat lunak NTP, matikan perintah monlist ('disable monitor'), dan izinkan "
        "permintaan NTP hanya dari jaringan internal.",
    ),
    (
        "NTP server usable for amplification",
        "Your time server (NTP) answers 'monlist' or 'version' queries from the internet. Replies "
        "far larger than the queries are used in DDoS attacks.",
        "Update the NTP software, turn off monlist ('disable monitor'), and accept NTP queries "
        "from the internal network only.",
    ),
)

_MEMCACHED = _texts(
    (
        "Memcached terbuka ke internet",
        "Memcached menjawab dari internet tanpa autentikasi. Siapa pun dapat membaca isi cache "
        "aplikasi, dan layanan ini dipakai untuk serangan DDoS terbesar yang pernah tercatat.",
        "Ikat memcached ke alamat internal saja (opsi -l 127.0.0.1), matikan UDP (-U 0), dan "
        "blokir port 11211 dari internet.",
    ),
    (
        "Memcached reachable from the internet",
        "Memcached answers from the internet without authentication. Anyone can read the "
        "application's cache, and the service has been used for the largest DDoS attacks on "
        "record.",
        "Bind memcached to internal addresses only (-l 127.0.0.1), turn UDP off (-U 0), and "
        "block port 11211 from the internet.",
    ),
)

_DATABASE = _texts(
    (
        "Basis data terbuka ke internet",
        "Basis data (Elasticsearch, MongoDB atau sejenisnya) dapat dijangkau dari internet, sering "
        "tanpa kata sandi. Data pasien di dalamnya dapat dibaca, disalin atau dihapus dan "
        "diminta tebusan.",
        "Segera blokir akses dari internet ke port basis data (9200, 27017 dan lainnya). Aktifkan "
        "autentikasi, periksa log akses untuk salinan data yang tidak dikenal, dan laporkan ke "
        "CERT jika ada tanda data pasien telah diakses.",
    ),
    (
        "Database reachable from the internet",
        "A database (Elasticsearch, MongoDB or similar) answers from the internet, often without "
        "a password. Patient data in it can be read, copied, or wiped and held to ransom.",
        "Block internet access to the database ports (9200, 27017 and others) at once. Turn on "
        "authentication, check the access logs for unknown copies of data, and report to the "
        "CERT if patient data may have been read.",
    ),
)

_VULNERABLE_HTTP = _texts(
    (
        "Server web dengan kerentanan yang diketahui",
        "Server atau aplikasi web Anda menjalankan versi yang memiliki kerentanan yang diketahui "
        "publik. Aplikasi web rumah sakit (portal pasien, SIMRS) sering menjadi sasaran.",
        "Pasang pembaruan dari pembuat perangkat lunak, periksa apakah ada tanda eksploitasi di "
        "log server web, dan pertimbangkan untuk tidak membuka antarmuka administrasi ke "
        "internet.",
    ),
    (
        "Web server with a known vulnerability",
        "Your web server or application runs a version with a publicly known vulnerability. "
        "Hospital web applications (patient portals, hospital information systems) are frequent "
        "targets.",
        "Install the vendor's update, look for signs of exploitation in the web server's logs, "
        "and keep administration interfaces off the internet.",
    ),
)

_INFECTED = _texts(
    (
        "Perangkat terinfeksi malware",
        "Sebuah perangkat di jaringan Anda berkomunikasi dengan server pengendali botnet atau "
        "sinkhole. Perangkat itu kemungkinan besar terinfeksi dan dapat dipakai untuk mencuri "
        "data atau menyerang sistem lain.",
        "Cari perangkat itu melalui log NAT/firewall pada waktu yang tercantum, lepaskan dari "
        "jaringan, pindai atau pasang ulang, dan ganti kata sandi yang dipakai di perangkat itu. "
        "Laporkan ke CERT jika perangkat menyimpan data pasien.",
    ),
    (
        "Device infected with malware",
        "A device on your network talks to a botnet's command server or a sinkhole. It is most "
        "likely infected and can be used to steal data or attack other systems.",
        "Find the device through the NAT/firewall logs at the time given, take it off the "
        "network, clean or reinstall it, and change the passwords used on it. Report to the CERT "
        "if the device holds patient data.",
    ),
)

IDENTIFIERS: dict[str, Texts] = {
    "open-rdp": _RDP,
    "accessible-rdp": _RDP,
    "rdp": _RDP,
    "open-smb": _SMB,
    "accessible-smb": _SMB,
    "smb": _SMB,
    "open-telnet": _TELNET,
    "accessible-telnet": _TELNET,
    "telnet": _TELNET,
    "openresolver": _DNS,
    "open-resolver": _DNS,
    "dns": _DNS,
    "open-dns": _DNS,
    "ntp": _NTP,
    "open-ntp": _NTP,
    "ntp-monitor": _NTP,
    "ntp-version": _NTP,
    "memcached": _MEMCACHED,
    "open-memcached": _MEMCACHED,
    "elasticsearch": _DATABASE,
    "open-elasticsearch": _DATABASE,
    "mongodb": _DATABASE,
    "open-mongodb": _DATABASE,
    "vulnerable-http": _VULNERABLE_HTTP,
    "infected-system": _INFECTED,
    "botnet": _INFECTED,
    "sinkhole": _INFECTED,
}

# --- RSIT types ------------------------------------------------------------------------------------

TYPES: dict[str, Texts] = {
    "infected-system": _INFECTED,
    "c2-server": _texts(
        (
            "Server pengendali malware (C2)",
            "Sebuah alamat Anda dilaporkan sebagai server pengendali malware. Biasanya ini berarti "
            "server Anda telah diambil alih penyerang.",
            "Periksa server itu segera, isolasi dari jaringan, simpan bukti (log, salinan disk) "
            "dan hubungi CERT untuk penanganan insiden.",
        ),
        (
            "Malware command-and-control server",
            "One of your addresses is reported as a malware command server. This usually means "
            "an attacker has taken over the server.",
            "Examine the server now, isolate it, keep evidence (logs, a disk copy) and contact "
            "the CERT to handle the incident.",
        ),
    ),
    "malware-distribution": _texts(
        (
            "Penyebaran malware",
            "Sebuah alamat atau situs Anda menyebarkan malware, kemungkinan karena situs web atau "
            "server Anda telah disusupi.",
            "Hapus berkas berbahaya, cari celah yang dipakai untuk masuk, perbarui CMS dan "
            "pluginnya, lalu ganti semua kata sandi administrasi.",
        ),
        (
            "Malware distribution",
            "One of your addresses or sites serves malware, most likely because the web site or "
            "server was compromised.",
            "Remove the malicious files, find the hole that let the attacker in, update the CMS "
            "and its plugins, and change every administrator password.",
        ),
    ),
    "scanner": _texts(
        (
            "Pemindaian dari jaringan Anda",
            "Sebuah alamat Anda memindai sistem lain di internet. Ini sering tanda perangkat yang "
            "terinfeksi.",
            "Cari perangkat itu melalui log NAT/firewall dan periksa apakah terinfeksi.",
        ),
        (
            "Scanning from your network",
            "One of your addresses scans other systems on the internet, often a sign of an "
            "infected device.",
            "Find the device through the NAT/firewall logs and check it for infection.",
        ),
    ),
    "brute-force": _texts(
        (
            "Percobaan login dari jaringan Anda",
            "Sebuah alamat Anda mencoba menebak kata sandi sistem lain, biasanya karena perangkat "
            "itu terinfeksi.",
            "Temukan perangkat itu, periksa dan bersihkan, dan blokir lalu lintas keluar yang "
            "tidak diperlukan.",
        ),
        (
            "Login attempts from your network",
            "One of your addresses tries to guess other systems' passwords, usually because the "
            "device is infected.",
            "Find the device, examine and clean it, and block outbound traffic it does not need.",
        ),
    ),
    "ddos-amplifier": _texts(
        (
            "Layanan yang dapat dipakai untuk amplifikasi DDoS",
            "Sebuah layanan UDP Anda menjawab dengan balasan yang jauh lebih besar dari "
            "pertanyaannya, sehingga dapat dipakai untuk menyerang pihak lain.",
            "Matikan layanan itu jika tidak diperlukan, atau batasi aksesnya ke jaringan internal.",
        ),
        (
            "Service usable for DDoS amplification",
            "One of your UDP services answers with replies much larger than the queries, so it "
            "can be used to attack others.",
            "Turn the service off if it is not needed, or limit it to the internal network.",
        ),
    ),
    "potentially-unwanted-accessible": _texts(
        (
            "Layanan yang tidak semestinya terbuka",
            "Sebuah layanan yang biasanya hanya dipakai di dalam jaringan dapat dijangkau dari "
            "internet.",
            "Pastikan layanan ini memang perlu terbuka; jika tidak, blokir di firewall. Jika "
            "perlu, lindungi dengan VPN atau daftar alamat yang diizinkan.",
        ),
        (
            "Service that should not be reachable",
            "A service normally used inside a network can be reached from the internet.",
            "Check that it really needs to be reachable; if not, block it at the firewall. If it "
            "does, put it behind a VPN or an allow-list of addresses.",
        ),
    ),
    "vulnerable-system": _texts(
        (
            "Sistem rentan",
            "Sebuah sistem Anda menjalankan perangkat lunak dengan kerentanan yang diketahui.",
            "Pasang pembaruan keamanan dari pembuat perangkat lunak secepatnya dan periksa tanda "
            "eksploitasi.",
        ),
        (
            "Vulnerable system",
            "One of your systems runs software with a known vulnerability.",
            "Install the vendor's security update as soon as possible and look for signs of "
            "exploitation.",
        ),
    ),
    "weak-crypto": _texts(
        (
            "Enkripsi lemah",
            "Sebuah layanan Anda memakai protokol atau sertifikat enkripsi yang sudah tidak aman "
            "(misalnya SSLv3 atau cipher lama).",
            "Matikan protokol lama, pakai TLS 1.2 atau lebih baru, dan perbarui sertifikat.",
        ),
        (
            "Weak cryptography",
            "One of your services uses encryption protocols or certificates that are no longer "
            "safe (SSLv3 or old ciphers, for example).",
            "Turn old protocols off, use TLS 1.2 or later, and renew the certificate.",
        ),
    ),
    "information-disclosure": _texts(
        (
            "Kebocoran informasi",
            "Sebuah layanan Anda memberikan informasi yang berguna bagi penyerang (versi, "
            "konfigurasi, isi direktori).",
            "Batasi informasi yang ditampilkan layanan dan tutup akses yang tidak perlu dari "
            "internet.",
        ),
        (
            "Information disclosure",
            "One of your services gives out information useful to an attacker (versions, "
            "configuration, directory listings).",
            "Limit what the service reveals and close unnecessary access from the internet.",
        ),
    ),
    "phishing": _texts(
        (
            "Situs phishing",
            "Sebuah situs di alamat Anda meniru situs lain untuk mencuri kata sandi, biasanya "
            "karena situs Anda disusupi.",
            "Hapus halaman phishing, cari celah yang dipakai, perbarui perangkat lunak situs dan "
            "ganti kata sandi administrasi.",
        ),
        (
            "Phishing site",
            "A site on your address imitates another to steal passwords, usually because your "
            "site was compromised.",
            "Remove the phishing pages, find the hole used, update the site's software and "
            "change administrator passwords.",
        ),
    ),
    "spam": _texts(
        (
            "Pengiriman spam",
            "Sebuah alamat Anda mengirim spam, biasanya karena akun surel atau perangkat yang "
            "disusupi.",
            "Cari akun atau perangkat pengirim, ganti kata sandinya, dan batasi pengiriman surel "
            "langsung (port 25) hanya dari server surel resmi.",
        ),
        (
            "Spam sent",
            "One of your addresses sends spam, usually from a compromised mailbox or device.",
            "Find the sending account or device, change its password, and allow direct mail "
            "(port 25) only from your mail servers.",
        ),
    ),
}

# --- RSIT classes (taxonomies) ---------------------------------------------------------------------

TAXONOMIES: dict[str, Texts] = {
    "malicious-code": _INFECTED,
    "vulnerable": _texts(
        (
            "Kelemahan keamanan",
            "Pemindaian di internet menemukan kelemahan pada sistem Anda yang dapat dipakai "
            "penyerang.",
            "Perbarui sistem yang disebut, tutup layanan yang tidak perlu dari internet, dan "
            "periksa konfigurasinya.",
        ),
        (
            "Security weakness",
            "Internet-wide scanning found a weakness in your systems that an attacker could use.",
            "Update the systems listed, close services that need not face the internet, and "
            "review their configuration.",
        ),
    ),
    "intrusions": _texts(
        (
            "Indikasi penyusupan",
            "Ada tanda bahwa sistem Anda telah disusupi.",
            "Isolasi sistem yang disebut, simpan bukti, dan hubungi CERT untuk penanganan insiden.",
        ),
        (
            "Signs of an intrusion",
            "There are signs that one of your systems has been compromised.",
            "Isolate the systems listed, keep evidence and contact the CERT to handle the "
            "incident.",
        ),
    ),
}

GENERAL = _texts(
    (
        "Temuan keamanan",
        "Sumber informasi ancaman melaporkan temuan tentang alamat di jaringan Anda.",
        "Periksa sistem yang disebut dalam lampiran dan hubungi CERT jika butuh bantuan.",
    ),
    (
        "Security finding",
        "A threat-intelligence source reported a finding about an address on your network.",
        "Check the systems listed in the attachment, and contact the CERT if you need help.",
    ),
)


def _normalise(text: str) -> str:
    return (text or "").strip().lower().replace("_", "-")


def _by_identifier(identifier: str) -> Texts | None:
    """The texts of a known identifier, or of one it starts with (``accessible-rdp-2`` …)."""
    key = _normalise(identifier)
    if key in IDENTIFIERS:
        return IDENTIFIERS[key]
    for known in sorted(IDENTIFIERS, key=len, reverse=True):
        if key.startswith(known + "-"):
            return IDENTIFIERS[known]
    return None


def advice_for(
    classification_type: str,
    identifier: str = "",
    language: str = DEFAULT_LANGUAGE,
    taxonomy: str = "",
) -> Advice:
    """(title, explanation, remediation) for a finding, in ``language`` ("id" or "en"; any other
    language gets Bahasa Indonesia, the CERT's own)."""
    texts = (
        _by_identifier(identifier)
        or TYPES.get(_normalise(classification_type))
        or TAXONOMIES.get(_normalise(taxonomy))
        or GENERAL
    )
    return texts.get(language) or texts[DEFAULT_LANGUAGE]
