"""Every UI string in Bahasa Indonesia and English, and numbers and dates formatted per language."""

from __future__ import annotations

import math
from datetime import date, datetime

LANGS = ("id", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (id, en)
    "app.synthetic": ("Data demo sintetis: bukan data warga yang sebenarnya.",
                      "Synthetic demo data: not real citizens' data."),
    "app.synthetic_short": ("data demo sintetis", "synthetic demo data"),
    "app.language": ("Bahasa", "Language"),
    "app.as_of": ("Data per {when}", "Data as of {when}"),
    "app.notice_params": ("Parameter tautan diabaikan: {items}", "Link parameters ignored: {items}"),
    "app.data_problem": ("Masalah data: {items}", "Data problem: {items}"),
    "nav.overview": ("Ringkasan", "Overview"),
    "nav.complaints": ("Pengaduan", "Complaints"),
    "nav.cctv": ("CCTV", "CCTV"),
    "nav.wifi": ("Wifi publik", "Public wifi"),
    "nav.data": ("Sumber data", "Data sources"),
    "nav.section.views": ("Tampilan", "Views"),
    "nav.section.admin": ("Pengelolaan", "Admin"),
    "filters.title": ("Filter", "Filters"),
    "filters.dates": ("Rentang tanggal", "Date range"),
    "filters.kecamatan": ("Kecamatan", "District (kecamatan)"),
    "filters.category": ("Kategori", "Category"),
    "filters.agency": ("Perangkat daerah (OPD)", "Agency (OPD)"),
    "filters.channel": ("Kanal", "Channel"),
    "filters.status": ("Status", "Status"),
    "filters.all": ("Semua", "All"),
    "filters.reset": ("Atur ulang filter", "Reset filters"),
    "filters.active": ("{n} filter aktif", "{n} filters active"),
    "filters.link": ("Tautan tampilan ini ada di bilah alamat.", "The address bar holds a link to this view."),
    "kpi.new_today": ("Pengaduan baru hari ini", "New complaints today"),
    "kpi.last_7d": ("7 hari terakhir", "Last 7 days"),
    "kpi.vs_prev": ("{delta} vs 7 hari sebelumnya", "{delta} vs the 7 days before"),
    "kpi.open_backlog": ("Belum selesai", "Open backlog"),
    "kpi.overdue_now": ("Lewat tenggat", "Overdue now"),
    "kpi.on_time_rate": ("Tepat waktu", "On-time rate"),
    "kpi.on_time_help": ("Selesai tepat waktu / (selesai + terbuka lewat tenggat)",
                         "Closed on time / (closed + open past due)"),
    "kpi.median_days": ("Median hari penyelesaian", "Median days to resolve"),
    "kpi.cctv_online": ("CCTV daring", "CCTV online"),
    "kpi.wifi_active": ("Titik wifi aktif", "Wifi points active"),
    "kpi.wifi_users": ("Pengguna wifi bulan lalu", "Wifi users last month"),
    "kpi.total": ("Pengaduan dalam filter", "Complaints in filter"),
    "chart.trend": ("Pengaduan per hari", "Complaints per day"),
    "chart.mean_7d": ("Rata-rata 7 hari", "7-day mean"),
    "chart.daily": ("Harian", "Daily"),
    "chart.complaints": ("Pengaduan", "Complaints"),
    "chart.top_categories": ("Kategori teratas", "Top categories"),
    "chart.heatmap": ("Kategori x kecamatan", "Category x district"),
    "chart.per_10k": ("Pengaduan per 10.000 penduduk", "Complaints per 10,000 residents"),
    "chart.cameras": ("Kamera", "Cameras"),
    "chart.points": ("Titik", "Points"),
    "chart.users": ("Pengguna", "Users"),
    "chart.online_pct": ("% daring", "% online"),
    "chart.in_view_pct": ("% dalam jangkauan kamera", "% within a camera's view"),
    "map.title": ("Peta kota", "City map"),
    "map.layers": ("Lapisan peta", "Map layers"),
    "map.hex": ("Kepadatan pengaduan (heksagon)", "Complaint density (hexagons)"),
    "map.cctv": ("CCTV", "CCTV"),
    "map.wifi": ("Wifi", "Wifi"),
    "map.districts": ("Kecamatan per 10.000 penduduk", "Districts per 10,000 residents"),
    "map.offline_note": ("Peta tanpa ubin dasar: batas kecamatan perkiraan (sel Voronoi).",
                         "Map without base tiles: approximate district outlines (Voronoi cells)."),
    "complaints.scorecard": ("Kinerja OPD", "Agency (OPD) scorecard"),
    "complaints.hotspots": ("Titik rawan (heksagon H3)", "Hotspots (H3 hexagons)"),
    "complaints.choropleth": ("Per 10.000 penduduk", "Per 10,000 residents"),
    "complaints.table": ("Daftar pengaduan", "Complaint list"),
    "complaints.download": ("Unduh CSV (baris terfilter)", "Download CSV (filtered rows)"),
    "complaints.showing": ("Menampilkan {shown} dari {total} pengaduan terbaru.",
                           "Showing the newest {shown} of {total} complaints."),
    "complaints.click_hint": ("Klik batang atau kecamatan untuk memfilter halaman.",
                              "Click a bar or a district to filter the page."),
    "col.rank": ("Peringkat", "Rank"),
    "col.agency": ("OPD", "Agency"),
    "col.received": ("Diterima", "Received"),
    "col.resolved_pct": ("% selesai", "Resolved %"),
    "col.on_time_pct": ("% tepat waktu", "On-time %"),
    "col.median_days": ("Median hari", "Median days"),
    "col.overdue_now": ("Lewat tenggat", "Overdue now"),
    "col.complaint_id": ("No. tiket", "Ticket"),
    "col.created_at": ("Masuk", "Received at"),
    "col.due_at": ("Tenggat", "Due"),
    "col.closed_at": ("Selesai", "Closed at"),
    "col.status": ("Status", "Status"),
    "col.category": ("Kategori", "Category"),
    "col.channel": ("Kanal", "Channel"),
    "col.kecamatan": ("Kecamatan", "District"),
    "col.kelurahan": ("Kelurahan", "Sub-district"),
    "col.lat": ("Lintang", "Lat"),
    "col.lon": ("Bujur", "Lon"),
    "col.description": ("Uraian", "Description"),
    "col.name": ("Nama", "Name"),
    "col.kind": ("Jenis", "Kind"),
    "col.last_seen_at": ("Terakhir terlihat", "Last seen"),
    "col.hours_since_seen": ("Jam sejak terlihat", "Hours since seen"),
    "col.camera_id": ("ID kamera", "Camera ID"),
    "col.cameras": ("Kamera", "Cameras"),
    "col.online_pct": ("% daring", "% online"),
    "col.complaints": ("Pengaduan", "Complaints"),
    "col.in_view": ("Dalam jangkauan", "In view"),
    "col.in_view_pct": ("% dalam jangkauan", "% in view"),
    "col.site_type": ("Jenis lokasi", "Site type"),
    "col.points": ("Titik", "Points"),
    "col.per_10k": ("Per 10.000 penduduk", "Per 10,000 residents"),
    "col.population": ("Penduduk", "Population"),
    "col.bandwidth_mbps": ("Bandwidth (Mbps)", "Bandwidth (Mbps)"),
    "col.site_name": ("Lokasi", "Site"),
    "cctv.map": ("Kamera menurut status (lingkaran = jangkauan pandang)", "Cameras by status (circle = view radius)"),
    "cctv.by_kecamatan": ("% daring per kecamatan", "% online by district"),
    "cctv.offline": ("Kamera tidak daring, terlama dulu", "Cameras not online, longest first"),
    "cctv.by_kind": ("Kamera per jenis", "Cameras by kind"),
    "cctv.integration": ("Pengaduan yang dapat diverifikasi kamera", "Complaints a camera could verify"),
    "cctv.integration_help": ("Bagian pengaduan yang lokasinya dalam jangkauan pandang suatu kamera.",
                              "Share of complaints located within some camera's view radius."),
    "cctv.by_category": ("per kategori", "by category"),
    "cctv.by_district": ("per kecamatan", "by district"),
    "wifi.map": ("Titik wifi (lingkaran = jangkauan)", "Wifi points (circle = coverage)"),
    "wifi.by_site_type": ("Titik per jenis lokasi", "Points by site type"),
    "wifi.bandwidth": ("Bauran bandwidth", "Bandwidth mix"),
    "wifi.users": ("Pengguna per bulan", "Users per month"),
    "wifi.per_10k": ("Titik per 10.000 penduduk", "Points per 10,000 residents"),
    "wifi.points": ("Titik wifi", "Wifi points"),
    "wifi.at_300": ("Sudah 300 Mbps", "Upgraded to 300 Mbps"),
    "data.table": ("Ekstrak", "Extract"),
    "data.file": ("Berkas", "File"),
    "data.rows": ("Baris", "Rows"),
    "data.span": ("Rentang", "Date span"),
    "data.modified": ("Diubah", "Modified"),
    "data.freshness": ("Kesegaran", "Freshness"),
    "data.age": ("{hours} jam lalu", "{hours} h ago"),
    "data.last_ingest": ("Impor terakhir", "Last ingest"),
    "data.rejected": ("{accepted} diterima, {rejected} ditolak", "{accepted} accepted, {rejected} rejected"),
    "data.no_ingest": ("Belum ada impor (data bawaan).", "No ingest yet (embedded data)."),
    "data.schema": ("Skema", "Schema"),
    "data.missing": ("Tidak ada berkas", "No file"),
    "data.upload": ("Unggah ekstrak baru", "Upload a new extract"),
    "data.readonly": ("Hanya-baca: tidak ada kata sandi admin di st.secrets (admin_password).",
                      "Read-only: no admin password in st.secrets (admin_password)."),
    "data.password": ("Kata sandi admin", "Admin password"),
    "data.wrong_password": ("Kata sandi salah; unggahan ditolak.", "Wrong password; upload refused."),
    "data.kind": ("Jenis ekstrak", "Extract kind"),
    "data.mapping": ("Pemetaan kolom (opsional)", "Column mapping (optional)"),
    "data.mapping_none": ("Tanpa pemetaan (kolom kanonik)", "No mapping (canonical columns)"),
    "data.mode": ("Cara", "Mode"),
    "data.append": ("Tambahkan", "Append"),
    "data.replace": ("Ganti seluruhnya", "Replace"),
    "data.submit": ("Validasi dan simpan", "Validate and store"),
    "data.file_input": ("Berkas (CSV, Parquet, JSON)", "File (CSV, Parquet, JSON)"),
    "data.done": ("Tersimpan: {accepted} baris diterima, {rejected} ditolak.",
                  "Stored: {accepted} rows accepted, {rejected} rejected."),
    "data.failed": ("Tidak disimpan: {error}", "Not stored: {error}"),
    "data.nothing_changed": ("Data yang ada tidak berubah.", "The stored data is unchanged."),
    "alert.spike.both": ("Lonjakan {category} di {kecamatan}: {n} dalam 24 jam (biasanya {base}/hari)",
                         "{category} spike in {kecamatan}: {n} in 24 h (usually {base}/day)"),
    "alert.spike.category": ("Lonjakan {category} se-kota: {n} dalam 24 jam (biasanya {base}/hari)",
                             "City-wide {category} spike: {n} in 24 h (usually {base}/day)"),
    "alert.spike.kecamatan": ("Lonjakan pengaduan di {kecamatan}: {n} dalam 24 jam (biasanya {base}/hari)",
                              "Complaint spike in {kecamatan}: {n} in 24 h (usually {base}/day)"),
    "alert.sla": ("{agency}: {n} pengaduan akan lewat tenggat dalam {hours} jam",
                  "{agency}: {n} complaints will breach their SLA within {hours} h"),
    "alert.cctv": ("{n} kamera luring lebih dari {hours} jam (terlama: {worst}, {worst_hours} jam)",
                   "{n} cameras offline for over {hours} h (longest: {worst}, {worst_hours} h)"),
    "alert.none": ("Tidak ada peringatan.", "No alerts."),
    "wall.title": ("Layar dinding", "Wall display"),
    "wall.tour": ("Tur tamu", "Visitor tour"),
    "wall.section": ("Layar", "Displays"),
    "wall.view.overview": ("Ringkasan kota", "City overview"),
    "wall.view.complaints": ("Pengaduan dan OPD", "Complaints and agencies"),
    "wall.view.cctv": ("CCTV", "CCTV"),
    "wall.view.wifi": ("Wifi publik", "Public wifi"),
    "wall.view.alerts": ("Peringatan aktif", "Active alerts"),
    "wall.as_of": ("Data per {when}", "Data as of {when}"),
    "wall.stale": ("DATA USANG: terbaru {when}", "STALE: newest {when}"),
    "wall.no_data": ("TIDAK ADA DATA", "NO DATA"),
    "wall.banner": ("Berkas data bermasalah ({items}); menampilkan data baik terakhir.",
                    "Data file problem ({items}); showing the last good data."),
    "wall.panel_failed": ("Panel ini tidak dapat ditampilkan saat ini.", "This panel cannot be shown right now."),
    "wall.next_in": ("berikutnya: {view} dalam {s} dtk", "next: {view} in {s} s"),
    "wall.pinned": ("tampilan disematkan", "view pinned"),
    "wall.last_30": ("Pengaduan per hari, 30 hari terakhir", "Complaints per day, last 30 days"),
    "wall.on_time_by_agency": ("Tepat waktu per OPD (%)", "On-time by agency (%)"),
    "wall.top_7d": ("Kategori teratas, 7 hari", "Top categories, 7 days"),
    "nav.coverage": ("Jangkauan wifi", "Wifi coverage"),
    "cov.residents": ("Penduduk terjangkau wifi", "Residents covered"),
    "cov.delta": ("{n} penduduk (bagaimana jika)", "{n} residents (what-if)"),
    "cov.area": ("Luas terjangkau", "Area covered"),
    "cov.uncovered": ("Penduduk belum terjangkau", "Residents not covered"),
    "cov.model": ("Grid H3 resolusi {res} ({cells} sel); sebuah titik menjangkau selnya dan sel yang pusatnya dalam radiusnya; penduduk disebar merata per kecamatan.",
                  "H3 grid at resolution {res} ({cells} cells); a point covers its cell and every cell whose centre is within its radius; residents spread evenly per district."),
    "cov.map": ("Sel terjangkau (hijau) dan belum (merah, makin pekat makin padat penduduk)",
                "Covered cells (green) and not covered (red, deeper where more people live)"),
    "cov.map_help": ("Klik kecamatan untuk memperbesar dan melihat tabelnya; klik sel untuk menambah titik uji di sana.",
                     "Click a district to zoom to it and see its table; click a cell to try a new point there."),
    "cov.by_kecamatan": ("Jangkauan per kecamatan, yang paling kurang dulu", "Coverage by district, worst served first"),
    "cov.planner": ("Perencana: tambah N titik", "Planner: add N points"),
    "cov.n": ("Jumlah titik baru", "New points"),
    "cov.before_after": ("Penduduk terjangkau setelah rencana", "Residents covered after the plan"),
    "cov.download_plan": ("Unduh rencana (CSV)", "Download the plan (CSV)"),
    "cov.whatif": ("Bagaimana jika", "What if"),
    "cov.add": ("Tambah titik di koordinat ini", "Add a point at these coordinates"),
    "cov.outside": ("Koordinat di luar kota.", "Those coordinates are outside the city."),
    "cov.remove": ("Hapus titik yang ada", "Remove existing points"),
    "cov.added_n": ("{n} titik uji ditambahkan.", "{n} what-if points added."),
    "cov.clear": ("Hapus titik uji", "Clear what-if points"),
    "cov.bandwidth": ("Skenario bandwidth 100 ke 300 Mbps", "Bandwidth scenario: 100 to 300 Mbps"),
    "cov.bandwidth_help": ("Mbps per pengguna pada jam sibuk: pengguna bulan lalu / 30 hari x {share} daring pada jam tersibuk. Yang paling sesak ditingkatkan dulu.",
                           "Mbps per user at the peak hour: last month's users / 30 days x {share} online in the busiest hour. The most crowded sites go first."),
    "cov.blind": ("Titik buta: banyak pengaduan, tanpa kamera", "Blind spots: many complaints, no camera"),
    "cov.blind_help": ("Sel H3 (resolusi 9) dengan pengaduan terbanyak (filter berlaku) yang tidak dalam jangkauan kamera: usulan lokasi kamera.",
                       "H3 cells (resolution 9) with the most complaints (filters apply) outside every camera's view: suggested camera sites."),
    "cov.download_blind": ("Unduh usulan lokasi kamera (CSV)", "Download suggested camera sites (CSV)"),
    "col.area_covered_pct": ("% luas terjangkau", "Area covered %"),
    "col.residents_covered_pct": ("% penduduk terjangkau", "Residents covered %"),
    "col.points_per_10k": ("Titik per 10.000", "Points per 10,000"),
    "col.users_per_point": ("Pengguna per titik", "Users per point"),
    "col.mbps_per_user": ("Mbps/pengguna jam sibuk", "Mbps/user at peak"),
    "col.after_upgrade": ("Setelah 300 Mbps", "After 300 Mbps"),
    "col.peak_users": ("Pengguna jam sibuk", "Peak users"),
    "col.users": ("Pengguna bulan lalu", "Users last month"),
    "col.priority": ("Prioritas", "Priority"),
    "col.cctv_covered": ("Ada kamera", "Camera"),
    "col.wifi_covered": ("Ada wifi", "Wifi"),
    "col.hex": ("Sel H3", "H3 cell"),
    "col.order": ("Urutan", "Order"),
    "col.new_residents_covered": ("Penduduk baru terjangkau", "Newly covered residents"),
    "tour.back": ("Kembali", "Back"),
    "tour.next": ("Lanjut", "Next"),
    "tour.step": ("Langkah {i} dari {n}", "Step {i} of {n}"),
    "tour.journey": ("Status pengaduan", "Complaint status"),
    "tour.error": ("Tur tidak dapat dimuat: {error}", "The tour cannot be loaded: {error}"),
}

VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "status": {"new": ("Baru", "New"), "verified": ("Terverifikasi", "Verified"),
               "dispatched": ("Didisposisikan", "Dispatched"), "in_progress": ("Dalam proses", "In progress"),
               "resolved": ("Selesai", "Resolved"), "rejected": ("Ditolak", "Rejected"),
               "online": ("Daring", "Online"), "offline": ("Luring", "Offline"),
               "maintenance": ("Perawatan", "Maintenance"), "unknown": ("Tidak diketahui", "Unknown"),
               "active": ("Aktif", "Active"), "inactive": ("Nonaktif", "Inactive")},
    "channel": {"lapor": ("SP4N-LAPOR!", "SP4N-LAPOR!"), "whatsapp": ("WhatsApp", "WhatsApp"),
                "instagram": ("Instagram", "Instagram"), "x_twitter": ("X/Twitter", "X/Twitter"),
                "call_center_112": ("Call center 112", "Call center 112"), "website": ("Situs web", "Website"),
                "walk_in": ("Datang langsung", "Walk-in"), "mobile_app": ("Aplikasi seluler", "Mobile app"),
                "other": ("Lainnya", "Other")},
    "kind": {"traffic_atcs": ("Lalu lintas (ATCS)", "Traffic (ATCS)"),
             "public_safety": ("Keamanan publik", "Public safety"),
             "flood_watch": ("Pantau banjir", "Flood watch"), "public_space": ("Ruang publik", "Public space")},
    "site_type": {"park": ("Taman", "Park"), "mosque": ("Masjid", "Mosque"), "school": ("Sekolah", "School"),
                  "kelurahan_office": ("Kantor kelurahan", "Kelurahan office"),
                  "kecamatan_office": ("Kantor kecamatan", "Kecamatan office"), "rw_hall": ("Balai RW", "RW hall"),
                  "terminal": ("Terminal", "Terminal"), "market": ("Pasar", "Market"),
                  "health_center": ("Puskesmas", "Health center"), "library": ("Taman bacaan", "Library"),
                  "other": ("Lainnya", "Other")},
}

MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def normalize_lang(lang: str | None, default: str = "id") -> str:
    return lang if lang in LANGS else default


def t(key: str, lang: str, **kw) -> str:
    """The string for key in lang; the key itself when missing (visible, so it gets fixed)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**kw) if kw else text


def value_label(kind: str, value, lang: str) -> str:
    pair = VALUE_LABELS.get(kind, {}).get(value)
    if pair is None:
        return "" if value is None else str(value)
    return pair[1] if lang == "en" else pair[0]


def fmt_num(x, lang: str, decimals: int = 0) -> str:
    """1,234.5 in English and 1.234,5 in Indonesian; an en dash for no value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    s = f"{x:,.{decimals}f}"
    if lang == "id":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def fmt_pct(x, lang: str, decimals: int = 1) -> str:
    """A share in 0..1 as a percentage."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return fmt_num(100 * x, lang, decimals) + "%"


def fmt_signed(x, lang: str, decimals: int = 0) -> str:
    if x is None:
        return "–"
    return ("+" if x > 0 else "") + fmt_num(x, lang, decimals)


def fmt_date(d, lang: str) -> str:
    if d is None:
        return "–"
    if isinstance(d, datetime):
        d = d.date()
    if not isinstance(d, date):
        d = date.fromisoformat(str(d)[:10])
    return f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}"


def fmt_datetime(dt, lang: str) -> str:
    if dt is None:
        return "–"
    sep = "pukul" if lang == "id" else "at"
    clock = f"{dt:%H.%M}" if lang == "id" else f"{dt:%H:%M}"
    return f"{fmt_date(dt, lang)} {sep} {clock}"
