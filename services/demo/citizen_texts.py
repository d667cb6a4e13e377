"""What Sawahlunto's citizens raise and what its OPD answer: complaint, forum and handling texts.

``{village}`` is a desa or kelurahan, ``{unit}`` the name of the OPD complained about.
"""

COMPLAINTS: dict[str, tuple[str, ...]] = {
    "DISDUKCAPIL": ("Pengurusan KTP elektronik warga {village} belum selesai lebih dari dua minggu",
                    "Antrean layanan akta kelahiran terlalu panjang",
                    "Kartu Keluarga yang sudah dicetak memuat nama yang salah"),
    "DPUPR": ("Jalan berlubang di {village} belum diperbaiki", "Drainase tersumbat menyebabkan genangan di {village}",
              "Jembatan gantung di {village} rusak dan membahayakan warga"),
    "RSUD": ("Waktu tunggu di poliklinik RSUD lebih dari tiga jam", "Petugas IGD kurang ramah kepada keluarga pasien",
             "Pasien BPJS diminta membeli obat di luar rumah sakit"),
    "DISDIKBUD": ("Pungutan uang komite di sekolah dasar negeri di {village}",
                  "Sistem zonasi PPDB dinilai tidak transparan",
                  "Guru sering tidak hadir mengajar di sekolah di {village}"),
    "DLH": ("Sampah tidak diangkut selama seminggu di {village}", "Bau dari TPA Sampah mengganggu warga {village}"),
    "DISHUB": ("Lampu lalu lintas di simpang Pasar Sawahlunto tidak berfungsi",
               "Angkutan kota tidak melayani trayek {village} pada sore hari"),
    "DPMPTSP": ("Izin PBG belum terbit melewati batas waktu layanan",
                "Persyaratan izin usaha mikro berbeda dengan yang diumumkan"),
    "SATPOLPP": ("Pedagang kaki lima menutup trotoar di Pasar Remaja",
                 "Hiburan malam di {village} mengganggu ketertiban"),
    "DISPARPORA": ("Toilet di objek wisata Lubang Tambang Mbah Soero kotor",
                   "Harga tiket Museum Gudang Ransum tidak sesuai papan informasi"),
    "DINSOS-P3A": ("Bantuan sosial PKH di {village} tidak tepat sasaran",
                   "Laporan kekerasan terhadap anak di {village} belum ditindaklanjuti"),
    "health": ("Obat di {unit} sering kosong", "Jam layanan {unit} tidak sesuai yang diumumkan",
               "Petugas {unit} tidak ada di tempat pada jam layanan"),
    "district": ("Pelayanan surat keterangan di kantor {unit} lambat",
                 "Pegawai {unit} tidak berada di tempat pada jam pelayanan"),
    "": ("Pegawai {unit} tidak berada di tempat pada jam pelayanan",
         "Informasi layanan di laman {unit} tidak diperbarui",
         "Surat permohonan warga {village} kepada {unit} belum dijawab"),
}  # fmt: skip
"""By unit code, then by unit kind, then for any unit ("")."""

WHISTLEBLOWING = (
    "Dugaan pungutan liar dalam pengurusan layanan di {unit}",
    "Dugaan penyalahgunaan anggaran perjalanan dinas di {unit}",
    "Dugaan gratifikasi dalam pengadaan barang/jasa di {unit}",
)
INFORMATION_REQUESTS = ("Permohonan informasi jadwal dan persyaratan layanan {unit}",
                        "Permintaan salinan laporan kinerja {unit}")  # fmt: skip
ASPIRATIONS = (
    "Usulan penambahan jam layanan {unit} pada hari Sabtu",
    "Usulan layanan daring {unit} untuk warga {village}",
)

# Dialogue forums: (issue, commitment, the unit that acts on it).
FORUM_ISSUES = (
    ("Jalan usaha tani di {village} rusak", "Perbaikan jalan usaha tani diusulkan dalam APBD", "DPUPR"),
    ("Air bersih di {village} sering tidak mengalir", "Koordinasi dengan Perumda Air Minum dan sumur bor", "DPUPR"),
    ("Antrean layanan Puskesmas panjang", "Pendaftaran daring dan penambahan jam layanan", "DINKES"),
    ("Penerangan jalan di {village} kurang", "Pemasangan lampu penerangan jalan umum", "DISHUB"),
    ("Sampah menumpuk di pasar {village}", "Penambahan jadwal angkut sampah", "DLH"),
    ("Pengurusan dokumen kependudukan lambat", "Layanan jemput bola Disdukcapil di kelurahan", "DISDUKCAPIL"),
    ("Kegiatan pemuda dan olahraga kurang", "Turnamen antar desa dan pembinaan karang taruna", "DISPARPORA"),
    ("Bantuan bibit dan pupuk untuk petani", "Penyaluran bantuan bibit melalui kelompok tani", "DISTANPANGAN"),
    ("Ruang kelas sekolah dasar di {village} rusak", "Rehabilitasi ruang kelas diusulkan", "DISDIKBUD"),
    ("Rawan longsor di {village} saat musim hujan", "Pemetaan daerah rawan bencana dan penguatan tebing", "BPBD"),
)

NOT_OUR_AUTHORITY = (
    "Kewenangan Pemerintah Provinsi Sumatera Barat",
    "Kewenangan instansi vertikal (Kantor Pertanahan)",
)
ARCHIVED = ("Laporan tidak disertai informasi yang cukup untuk ditindaklanjuti", "Laporan ganda dari pelapor yang sama")
POSTPONED = "Menunggu kelengkapan data dari pelapor"
FOLLOW_UPS = (
    "Petugas telah turun ke lokasi dan melakukan perbaikan",
    "Pegawai yang bersangkutan telah diberi pembinaan oleh atasan langsung",
    "Jadwal layanan telah disesuaikan dan diumumkan kepada masyarakat",
    "Permohonan pelapor telah diproses dan dokumennya dapat diambil",
    "Telah dilakukan klarifikasi kepada pihak terkait",
    "Perbaikan dijadwalkan dalam APBD Perubahan tahun berjalan",
)
INVESTIGATION_FOLLOW_UP = "Inspektorat Daerah melakukan pemeriksaan khusus atas laporan"
RESOLUTIONS = (
    "Tindak lanjut telah diterima pelapor",
    "Permasalahan selesai ditangani",
    "Diselesaikan dengan penjelasan tertulis kepada pelapor",
)
ERASURE_REASON = "Permintaan penghapusan data pribadi oleh pelapor (UU Nomor 27 Tahun 2022)"
ERASURE_REQUESTED_BY = "Pelapor, melalui PPID Kota Sawahlunto"

ALLEGATIONS = (
    "Tidak masuk kerja tanpa alasan yang sah",
    "Tidak menaati ketentuan jam kerja",
    "Tidak mencapai target kinerja yang ditetapkan dalam SKP",
    "Menyalahgunakan wewenang dalam pelayanan kepada masyarakat",
)
ANNULMENT_REASON = "Keberatan atas hukuman disiplin dikabulkan oleh pejabat yang berwenang"
