"""The coverage explorer's strings in Bahasa Indonesia and English: (id, en) pairs by key."""

from __future__ import annotations

COVERAGE: dict[str, tuple[str, str]] = {
    "cov.residents": ("Penduduk terjangkau wifi", "Residents covered"),
    "cov.delta": ("{n} penduduk (bagaimana jika)", "{n} residents (what-if)"),
    "cov.area": ("Luas terjangkau", "Area covered"),
    "cov.uncovered": ("Penduduk belum terjangkau", "Residents not covered"),
    "cov.model": (
        "Grid H3 resolusi {res} ({cells} sel); sebuah titik menjangkau selnya dan sel yang pusatnya dalam radiusnya; penduduk disebar merata per {district_lc}.",
        "H3 grid at resolution {res} ({cells} cells); a point covers its cell and every cell whose centre is within its radius; residents spread evenly per district.",
    ),
    "cov.map": (
        "Sel terjangkau (biru) dan belum (oranye, makin pekat makin padat penduduk)",
        "Covered cells (blue) and not covered (orange, deeper where more people live)",
    ),
    "cov.tip_cell": (
        "{residents} penduduk · {share} terjangkau",
        "{residents} residents · {share} covered",
    ),
    "cov.tip_planned": ("Titik rencana ke-{order}", "Planned point #{order}"),
    "cov.tip_what_if": ("Titik andaian", "What-if point"),
    "cov.map_help": (
        "Klik {district_lc} untuk memperbesar dan melihat tabelnya; di sana, klik sel untuk menambah satu titik uji.",
        "Click a district to zoom to it and see its table; there, click a cell to try one new point.",
    ),
    "cov.by_kecamatan": (
        "Jangkauan per {district_lc}, yang paling kurang dulu",
        "Coverage by {district_lc}, worst served first",
    ),
    "cov.planner": ("Perencana: tambah N titik", "Planner: add N points"),
    "cov.n": ("Jumlah titik baru", "New points"),
    "cov.objective": ("Tujuan", "Objective"),
    "cov.objective_residents": ("Penduduk terjangkau terbanyak", "Most residents covered"),
    "cov.objective_equity": (
        "Wilayah paling kurang terlayani dulu",
        "Worst-served districts first",
    ),
    "cov.objective_help": (
        "Terbanyak: tiap titik menambah penduduk terjangkau sebanyak mungkin. Pemerataan: tiap titik masuk ke {district_lc} dengan bagian penduduk terjangkau paling kecil yang masih bisa ditingkatkan.",
        "Most: each point adds as many covered residents as it can. Equity: each point goes to the {district_lc} with the smallest share of residents covered that a point can still raise.",
    ),
    "cov.plan_change": (
        "Yang diubah rencana ini, per {district_lc} (paling kurang terlayani dulu)",
        "What the plan changes, by {district_lc} (worst served first)",
    ),
    "cov.plan_in": ("Rencana hanya di: {districts}", "Planning only in: {districts}"),
    "cov.tiles_in": (
        "Angka di atas hanya untuk: {districts}",
        "The figures above are for {districts} only",
    ),
    "cov.congested_help": (
        "Sebuah titik dianggap padat bila di bawah {mbps} Mbps per pengguna pada jam sibuk.",
        "A site counts as congested below {mbps} Mbps per user at the peak hour.",
    ),
    "cov.choose": ("Pilih titik", "Choose points"),
    "cov.near": ("{district}, {metres} m dari {place}", "{district}, {metres} m from {place}"),
    "cov.before_after": ("Penduduk terjangkau setelah rencana", "Residents covered after the plan"),
    "cov.download_plan": ("Unduh rencana (CSV)", "Download the plan (CSV)"),
    "cov.whatif": ("Bagaimana jika", "What if"),
    "cov.add": ("Tambah titik di koordinat ini", "Add a point at these coordinates"),
    "cov.outside": ("Koordinat di luar kota.", "Those coordinates are outside the city."),
    "cov.remove": ("Hapus titik yang ada", "Remove existing points"),
    "cov.added_n": ("{n} titik uji ditambahkan.", "{n} what-if points added."),
    "cov.clear": ("Hapus titik uji", "Clear what-if points"),
    "cov.bandwidth": (
        "Skenario bandwidth: naik ke {mbps} Mbps",
        "Bandwidth scenario: upgrade to {mbps} Mbps",
    ),
    "cov.bandwidth_help": (
        "Mbps per pengguna pada jam sibuk: pengguna bulan lalu / 30 hari x {share} daring pada jam tersibuk. Yang paling sesak ditingkatkan dulu.",
        "Mbps per user at the peak hour: last month's users / 30 days x {share} online in the busiest hour. The most crowded sites go first.",
    ),
    "cov.blind": (
        "Titik buta: banyak pengaduan, tanpa kamera",
        "Blind spots: many complaints, no camera",
    ),
    "cov.blind_help": (
        "Sel H3 (resolusi 9) dengan pengaduan terbanyak (filter berlaku) yang tidak dalam jangkauan kamera: usulan lokasi kamera.",
        "H3 cells (resolution 9) with the most complaints (filters apply) outside every camera's view: suggested camera sites.",
    ),
    "cov.download_blind": (
        "Unduh usulan lokasi kamera (CSV)",
        "Download suggested camera sites (CSV)",
    ),
}
