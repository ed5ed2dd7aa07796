"""The demo city's invented texture: category mix, agency speed, channels, streets, texts, events."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_END = "2026-11-20"
DEFAULT_DAYS = 730
DEFAULT_COMPLAINTS = 120_000

# Share of complaints per category in the dry season, and how much the rainy season (Nov-Apr)
# multiplies it.
CATEGORY_MIX = {
    "road_damage": (0.14, 1.8),
    "drainage": (0.08, 2.2),
    "flooding": (0.03, 4.0),
    "street_light": (0.09, 1.1),
    "traffic_light": (0.04, 1.2),
    "illegal_parking": (0.08, 1.0),
    "waste": (0.13, 1.3),
    "street_vendors": (0.07, 0.8),
    "public_order": (0.06, 0.9),
    "civil_registry": (0.09, 1.0),
    "health": (0.04, 1.1),
    "education": (0.04, 1.0),
    "water_supply": (0.06, 0.9),
    "permits": (0.03, 1.0),
    "fallen_tree": (0.02, 3.0),
}
# Median resolution time as a share of the SLA, per agency: how each OPD performs.
AGENCY_SPEED = {
    "DSDABM": 0.62,
    "Dishub": 0.50,
    "DLH": 0.48,
    "Satpol PP": 0.55,
    "Disdukcapil": 0.75,
    "Dinkes": 0.52,
    "Disdik": 0.70,
    "PDAM Tirtawening": 0.58,
    "DPMPTSP": 0.66,
    "Distaru": 0.60,
}
CHANNEL_MIX = {
    "lapor": 0.30,
    "whatsapp": 0.22,
    "instagram": 0.09,
    "x_twitter": 0.06,
    "call_center_112": 0.12,
    "website": 0.10,
    "walk_in": 0.05,
    "mobile_app": 0.06,
}
WEEKDAY = np.array([1.15, 1.08, 1.05, 1.0, 0.92, 0.62, 0.50])  # Mon..Sun
HOUR = np.array(
    [
        0.3,
        0.2,
        0.15,
        0.15,
        0.3,
        0.8,
        1.6,
        2.8,
        4.5,
        5.5,
        5.6,
        5.2,
        4.2,
        4.8,
        5.0,
        4.6,
        3.8,
        3.0,
        2.6,
        2.8,
        2.6,
        2.0,
        1.2,
        0.6,
    ]
)
CENTRE = ("Coblong", "Regol", "Bandung Wetan", "Sumur Bandung")
FLOOD_PRONE = ("Gedebage", "Rancasari", "Bandung Kidul", "Cinambo", "Buahbatu")

STREETS = (
    "Jl. Asia Afrika",
    "Jl. Braga",
    "Jl. Dago",
    "Jl. Soekarno-Hatta",
    "Jl. Pasteur",
    "Jl. Cihampelas",
    "Jl. Buah Batu",
    "Jl. Kiaracondong",
    "Jl. A.H. Nasution",
    "Jl. Pahlawan",
    "Jl. Riau",
    "Jl. Merdeka",
    "Jl. Sudirman",
    "Jl. Pasir Kaliki",
    "Jl. Setiabudi",
    "Jl. Gatot Subroto",
    "Jl. Ahmad Yani",
    "Jl. Cibaduyut",
    "Jl. Kopo",
    "Jl. Terusan Jakarta",
    "Jl. Cicaheum",
    "Jl. Surapati",
    "Jl. Peta",
    "Jl. Moh. Toha",
    "Jl. Otista",
    "Jl. Cikutra",
    "Jl. Sukajadi",
    "Jl. Gedebage",
    "Jl. Cimahi Raya",
    "Jl. Rumah Sakit",
    "Jl. Jakarta",
    "Jl. Sunda",
)
PLACES = (
    "pertigaan",
    "depan SD",
    "dekat masjid",
    "depan pasar",
    "gang RT 03",
    "samping puskesmas",
    "depan minimarket",
    "perempatan",
    "dekat jembatan",
    "ujung gang RW 07",
)
TEMPLATES = {
    "road_damage": (
        "Jalan di {p} {s} berlubang besar, sudah ada pengendara motor yang jatuh. Mohon segera ditambal.",
        "Aspal {s} rusak parah dan bergelombang sepanjang kurang lebih 50 meter di {p}.",
        "Lubang jalan di {p} {s} makin dalam setelah hujan, berbahaya malam hari.",
    ),
    "drainage": (
        "Saluran air di {p} {s} tersumbat sampah, air meluap ke jalan setiap hujan.",
        "Gorong-gorong di {p} {s} mampet, bau dan jadi sarang nyamuk.",
        "Drainase {s} dangkal dan penuh lumpur, mohon dikeruk.",
    ),
    "flooding": (
        "Banjir setinggi lutut di {p} {s}, kendaraan tidak bisa lewat.",
        "Genangan air tidak surut sejak sore di {p} {s}, rumah warga mulai kemasukan air.",
        "Sungai meluap di {p} {s}, warga butuh bantuan pompa.",
    ),
    "street_light": (
        "Lampu PJU di {p} {s} mati sudah seminggu, jalan gelap dan rawan.",
        "Beberapa tiang lampu jalan {s} padam di {p}, mohon diperbaiki.",
        "PJU {s} berkedip lalu mati, daerah {p} gelap gulita.",
    ),
    "traffic_light": (
        "Lampu merah di {p} {s} mati, lalu lintas semrawut.",
        "Traffic light {s} menyala kuning terus di {p}.",
        "Durasi lampu hijau {s} terlalu singkat, macet panjang di {p}.",
    ),
    "illegal_parking": (
        "Parkir liar di {p} {s} memakan badan jalan, macet setiap sore.",
        "Juru parkir liar di {p} {s} menarik tarif tidak wajar.",
        "Mobil parkir di trotoar {s} dekat {p}, pejalan kaki terpaksa ke jalan.",
    ),
    "waste": (
        "Sampah menumpuk di TPS {p} {s} sudah tiga hari tidak diangkut.",
        "Warga membuang sampah sembarangan di {p} {s}, bau menyengat.",
        "Tumpukan sampah di {p} {s} menghalangi jalan.",
    ),
    "street_vendors": (
        "PKL berjualan di trotoar {s} dekat {p}, pejalan kaki tidak bisa lewat.",
        "Lapak pedagang di {p} {s} menutup saluran air.",
        "PKL kembali berjualan di zona merah {s} ({p}).",
    ),
    "public_order": (
        "Suara musik keras sampai larut malam di {p} {s}.",
        "Sering ada balap liar malam hari di {s} dekat {p}.",
        "Bangunan liar berdiri di {p} {s}, mohon ditertibkan.",
    ),
    "civil_registry": (
        "Pengajuan perubahan KK sejak sebulan lalu belum selesai, status masih diproses.",
        "Blanko KTP-el di kecamatan kosong, sudah tiga kali datang.",
        "Data NIK anak tidak muncul setelah pindah domisili, mohon dibantu.",
    ),
    "health": (
        "Antrean di puskesmas dekat {p} {s} sangat panjang, petugas sedikit.",
        "Fogging belum dilakukan padahal ada kasus DBD di {p} {s}.",
        "Obat di puskesmas {s} sering kosong.",
    ),
    "education": (
        "Sekolah di {p} {s} meminta pungutan di luar ketentuan.",
        "Zonasi PPDB tidak sesuai jarak rumah ke sekolah di {s}.",
        "Atap kelas SD di {p} {s} bocor dan hampir roboh.",
    ),
    "water_supply": (
        "Air PDAM di {p} {s} tidak mengalir sejak kemarin pagi.",
        "Pipa PDAM bocor di {p} {s}, air terbuang ke jalan.",
        "Air PDAM keruh dan berbau di daerah {s}.",
    ),
    "permits": (
        "Pengurusan izin usaha lewat OSS tidak ada kabar sejak dua minggu.",
        "Ada bangunan tanpa PBG di {p} {s}.",
        "Izin reklame di {s} sudah habis tapi papan masih terpasang.",
    ),
    "fallen_tree": (
        "Pohon tumbang menutup jalan di {p} {s} setelah hujan angin.",
        "Dahan pohon besar di {s} dekat {p} hampir patah, membahayakan pengguna jalan.",
        "Taman di {p} {s} tidak terawat, rumput tinggi dan lampu mati.",
    ),
}
FIRST = (
    "Asep",
    "Dadang",
    "Euis",
    "Ujang",
    "Neng",
    "Cecep",
    "Siti",
    "Rina",
    "Budi",
    "Dewi",
    "Agus",
    "Yanti",
    "Iwan",
    "Lilis",
    "Dedi",
    "Nining",
    "Rudi",
    "Tati",
    "Hendra",
    "Wulan",
)
LAST = (
    "Suryana",
    "Hidayat",
    "Rahmawati",
    "Permana",
    "Kurniawan",
    "Saputra",
    "Nurhayati",
    "Setiawan",
    "Gunawan",
    "Lestari",
    "Ramdani",
    "Sopian",
)


@dataclass(frozen=True)
class Event:
    """A planted event that charts and alerts should find."""

    name: str
    category: str
    kecamatan: tuple[str, ...]
    start_offset_days: int  # days before the end date
    days: int
    extra_per_day: int
    spot: tuple[float, float] | None = None  # cluster the points around (lat, lon)


EVENTS = (
    Event(
        "banjir_februari",
        "flooding",
        ("Gedebage", "Rancasari", "Bandung Kidul", "Cinambo"),
        640,
        7,
        45,
    ),
    Event("pju_padam", "street_light", ("Lengkong", "Regol"), 2, 3, 18, (-6.9395, 107.6225)),
    Event("banjir_gedebage", "flooding", ("Gedebage", "Rancasari"), 1, 2, 30),
)
