"""Labels of stored codes (status, channel, camera kind, site type) in both languages: (id, en) by code."""

from __future__ import annotations

VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "status": {
        "new": ("Baru", "New"),
        "verified": ("Terverifikasi", "Verified"),
        "dispatched": ("Didisposisikan", "Dispatched"),
        "in_progress": ("Dalam proses", "In progress"),
        "resolved": ("Selesai", "Resolved"),
        "rejected": ("Ditolak", "Rejected"),
        "online": ("Daring", "Online"),
        "offline": ("Luring", "Offline"),
        "maintenance": ("Perawatan", "Maintenance"),
        "unknown": ("Tidak diketahui", "Unknown"),
        "active": ("Aktif", "Active"),
        "inactive": ("Nonaktif", "Inactive"),
    },
    "channel": {
        "lapor": ("SP4N-LAPOR!", "SP4N-LAPOR!"),
        "whatsapp": ("WhatsApp", "WhatsApp"),
        "instagram": ("Instagram", "Instagram"),
        "x_twitter": ("X/Twitter", "X/Twitter"),
        "call_center_112": ("Call center 112", "Call center 112"),
        "website": ("Situs web", "Website"),
        "walk_in": ("Datang langsung", "Walk-in"),
        "mobile_app": ("Aplikasi seluler", "Mobile app"),
        "other": ("Lainnya", "Other"),
    },
    "kind": {
        "traffic_atcs": ("Lalu lintas (ATCS)", "Traffic (ATCS)"),
        "public_safety": ("Keamanan publik", "Public safety"),
        "flood_watch": ("Pantau banjir", "Flood watch"),
        "public_space": ("Ruang publik", "Public space"),
    },
    "site_type": {
        "park": ("Taman", "Park"),
        "mosque": ("Masjid", "Mosque"),
        "school": ("Sekolah", "School"),
        "kelurahan_office": ("Kantor kelurahan", "Kelurahan office"),
        "kecamatan_office": ("Kantor kecamatan", "Kecamatan office"),
        "rw_hall": ("Balai RW", "RW hall"),
        "terminal": ("Terminal", "Terminal"),
        "market": ("Pasar", "Market"),
        "health_center": ("Puskesmas", "Health center"),
        "library": ("Taman bacaan", "Library"),
        "other": ("Lainnya", "Other"),
    },
}
