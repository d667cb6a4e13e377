"""The people and units of the demo city: Sawahlunto's OPD, their positions, Minang and Indonesian names.

Plain data, so the generator's code says what happens and this file says what things are called.
Unit sizes are the number of civil servants in a city of about 2,000; they are weights, scaled to
the size asked for.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitSpec:
    """One OPD: its code, name, what kind of work it does, its size, its head and its specialists."""

    code: str
    name: str
    kind: str
    """agency, school, hospital, health or district: decides positions, training topics, complaints."""
    size: int
    head: str
    head_kind: str
    specialist: str
    """The functional position (jabatan fungsional) most of its specialists hold."""


# In the order a small demo city keeps them: the first five are enough for a test of any kind.
UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("SETDA", "Sekretariat Daerah Kota Sawahlunto", "agency", 110, "Sekretaris Daerah", "jpt",
             "Analis Kebijakan"),
    UnitSpec("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan", "school", 720, "Kepala Dinas Pendidikan dan Kebudayaan",
             "jpt", "Guru"),
    UnitSpec("KEC-TALAWI", "Kecamatan Talawi", "district", 25, "Camat Talawi", "administrator",
             "Analis Pemerintahan"),
    UnitSpec("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "agency", 35,
             "Kepala Dinas Kependudukan dan Pencatatan Sipil", "jpt", "Administrator Database Kependudukan"),
    UnitSpec("RSUD", "RSUD Sawahlunto", "hospital", 230, "Direktur RSUD Sawahlunto", "administrator", "Perawat"),
    UnitSpec("DINKES", "Dinas Kesehatan", "health", 60, "Kepala Dinas Kesehatan", "jpt", "Epidemiolog Kesehatan"),
    UnitSpec("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "agency", 35, "Kepala BKPSDM", "jpt",
             "Analis SDM Aparatur"),
    UnitSpec("KEC-BARANGIN", "Kecamatan Barangin", "district", 25, "Camat Barangin", "administrator",
             "Analis Pemerintahan"),
    UnitSpec("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "agency", 60,
             "Kepala Dinas Pekerjaan Umum dan Penataan Ruang", "jpt", "Teknik Jalan dan Jembatan"),
    UnitSpec("DISKOMINFO", "Dinas Komunikasi dan Informatika", "agency", 35,
             "Kepala Dinas Komunikasi dan Informatika", "jpt", "Pranata Komputer"),
    UnitSpec("PKM-TALAWI", "Puskesmas Talawi", "health", 45, "Kepala Puskesmas Talawi", "administrator", "Bidan"),
    UnitSpec("KEC-LEMBAH-SEGAR", "Kecamatan Lembah Segar", "district", 25, "Camat Lembah Segar", "administrator",
             "Analis Pemerintahan"),
    UnitSpec("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "agency", 30, "Kepala DPMPTSP",
             "jpt", "Analis Perizinan"),
    UnitSpec("SATPOLPP", "Satuan Polisi Pamong Praja dan Pemadam Kebakaran", "agency", 50,
             "Kepala Satuan Polisi Pamong Praja", "jpt", "Polisi Pamong Praja"),
    UnitSpec("KEC-SILUNGKANG", "Kecamatan Silungkang", "district", 20, "Camat Silungkang", "administrator",
             "Analis Pemerintahan"),
    UnitSpec("INSPEKTORAT", "Inspektorat Daerah", "agency", 35, "Inspektur", "jpt", "Auditor"),
    UnitSpec("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "agency", 30, "Kepala Bappeda", "jpt", "Perencana"),
    UnitSpec("BKD", "Badan Keuangan Daerah", "agency", 50, "Kepala Badan Keuangan Daerah", "jpt",
             "Analis Keuangan Pusat dan Daerah"),
    UnitSpec("PKM-SILUNGKANG", "Puskesmas Silungkang", "health", 40, "Kepala Puskesmas Silungkang", "administrator",
             "Perawat"),
    UnitSpec("PKM-KOLOK", "Puskesmas Kolok", "health", 40, "Kepala Puskesmas Kolok", "administrator", "Bidan"),
    UnitSpec("PKM-LUNTO", "Puskesmas Lunto", "health", 35, "Kepala Puskesmas Lunto", "administrator", "Perawat"),
    UnitSpec("DISPARPORA", "Dinas Pariwisata, Pemuda dan Olahraga", "agency", 40,
             "Kepala Dinas Pariwisata, Pemuda dan Olahraga", "jpt", "Pamong Budaya"),
    UnitSpec("DLH", "Dinas Lingkungan Hidup", "agency", 50, "Kepala Dinas Lingkungan Hidup", "jpt",
             "Pengendali Dampak Lingkungan"),
    UnitSpec("DISHUB", "Dinas Perhubungan", "agency", 35, "Kepala Dinas Perhubungan", "jpt",
             "Penguji Kendaraan Bermotor"),
    UnitSpec("DINSOS-P3A", "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak", "agency", 35,
             "Kepala Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak", "jpt", "Pekerja Sosial"),
    UnitSpec("DISTANPANGAN", "Dinas Pertanian, Pangan dan Perikanan", "agency", 45,
             "Kepala Dinas Pertanian, Pangan dan Perikanan", "jpt", "Penyuluh Pertanian"),
    UnitSpec("DISKOPERINDAG", "Dinas Koperasi, UKM, Perindustrian dan Perdagangan", "agency", 35,
             "Kepala Dinas Koperasi, UKM, Perindustrian dan Perdagangan", "jpt", "Pengawas Perdagangan"),
    UnitSpec("SETWAN", "Sekretariat DPRD", "agency", 35, "Sekretaris DPRD", "jpt", "Analis Kebijakan"),
    UnitSpec("BPBD", "Badan Penanggulangan Bencana Daerah", "agency", 25, "Kepala Pelaksana BPBD", "jpt",
             "Analis Bencana"),
    UnitSpec("DISPUSIP", "Dinas Perpustakaan dan Kearsipan", "agency", 20, "Kepala Dinas Perpustakaan dan Kearsipan",
             "jpt", "Pustakawan"),
    UnitSpec("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "agency", 20, "Kepala Badan Kesbangpol", "jpt",
             "Analis Kebijakan"),
)  # fmt: skip

SECRETARIAT = "SETDA"
"""Its head, the Sekretaris Daerah, is every other head's superior and appraiser."""

# Staff positions by unit kind: (title, position kind, weight). "{specialist}" is the unit's own.
POSITIONS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "agency": (
        ("Sekretaris", "administrator", 2), ("Kepala Bidang", "administrator", 4), ("Kepala Subbagian", "pengawas", 5),
        ("Kepala Seksi", "pengawas", 6), ("{specialist} Ahli Pertama", "fungsional", 12),
        ("{specialist} Ahli Muda", "fungsional", 8), ("Pengadministrasi Perkantoran", "pelaksana", 25),
        ("Pengelola Keuangan", "pelaksana", 10), ("Pengolah Data dan Informasi", "pelaksana", 10),
        ("Pengemudi", "pelaksana", 4),
    ),
    "school": (
        ("Sekretaris", "administrator", 1), ("Kepala Bidang", "administrator", 1), ("Kepala Seksi", "pengawas", 2),
        ("Guru Ahli Pertama", "fungsional", 30), ("Guru Ahli Muda", "fungsional", 25),
        ("Guru Ahli Madya", "fungsional", 15), ("Pengawas Sekolah Ahli Muda", "fungsional", 2),
        ("Pengadministrasi Sekolah", "pelaksana", 10),
    ),
    "hospital": (
        ("Kepala Bagian", "administrator", 2), ("Kepala Seksi", "pengawas", 3),
        ("Dokter Ahli Pertama", "fungsional", 8), ("Dokter Ahli Muda", "fungsional", 5),
        ("Perawat Terampil", "fungsional", 22), ("Perawat Ahli Pertama", "fungsional", 15),
        ("Bidan Terampil", "fungsional", 8),
        ("Apoteker Ahli Pertama", "fungsional", 3), ("Pranata Laboratorium Kesehatan", "fungsional", 4),
        ("Pengadministrasi Rekam Medis", "pelaksana", 10),
    ),
    "health": (
        ("Kepala Subbagian Tata Usaha", "pengawas", 3), ("Dokter Ahli Pertama", "fungsional", 8),
        ("{specialist} Terampil", "fungsional", 20), ("{specialist} Ahli Pertama", "fungsional", 15),
        ("Nutrisionis", "fungsional", 5), ("Sanitarian", "fungsional", 5), ("Pengadministrasi Umum", "pelaksana", 10),
    ),
    "district": (
        ("Sekretaris Kecamatan", "administrator", 3), ("Kepala Seksi", "pengawas", 10),
        ("{specialist} Ahli Pertama", "fungsional", 10), ("Pengadministrasi Umum", "pelaksana", 40),
        ("Pengolah Data Kependudukan", "pelaksana", 10),
    ),
}  # fmt: skip

# Education: (level, entry rank index into golongan order, highest rank index by promotion, weight).
EDUCATION: tuple[tuple[str, int, int, int], ...] = (
    ("SMA", 4, 10, 20),
    ("D3", 6, 11, 15),
    ("S1", 8, 12, 55),
    ("S2", 9, 13, 10),
)
RANKS = ("11", "12", "13", "14", "21", "22", "23", "24", "31", "32", "33", "34", "41", "42", "43", "44", "45")
"""SIASN golongan ids, I/a to IV/e, in order of seniority."""

MALE = (
    "Afrizal", "Ahmad", "Andika", "Arif", "Budi", "Dedi", "Doni", "Edi", "Erwin", "Fadli", "Fauzan", "Ferdi",
    "Gusnaldi", "Hafiz", "Hendra", "Ilham", "Irwan", "Joni", "Khairul", "Muhammad", "Nofrizal", "Rahmat", "Riko",
    "Rizki", "Roni", "Syafrizal", "Wahyu", "Yoga", "Yuliandri", "Zulkifli", "Alfian", "Benny", "Dasrul", "Eko",
)  # fmt: skip
FEMALE = (
    "Afriyanti", "Annisa", "Ayu", "Desi", "Dewi", "Elfi", "Fitri", "Indah", "Lisa", "Mega", "Mona", "Nelly",
    "Nurhayati", "Putri", "Rahmi", "Rani", "Ratna", "Rina", "Rosmaini", "Sastri", "Silvia", "Sri", "Suci", "Vivi",
    "Wati", "Wulan", "Yeni", "Yulia", "Yusnita", "Zuraida", "Hasnah", "Linda", "Novi", "Ermawati",
)  # fmt: skip
FAMILY_MALE = ("Putra", "Saputra", "Syahputra", "Hidayat", "Efendi", "Rahman", "Pratama", "Kurniawan", "Chaniago",
               "Piliang", "Tanjung", "Koto", "Sikumbang", "Caniago", "Jambak", "Melayu")  # fmt: skip
FAMILY_FEMALE = ("Marlina", "Wahyuni", "Yanti", "Sari", "Novita", "Lestari", "Handayani", "Susanti", "Fitriani",
                 "Putri", "Rahmawati", "Oktavia", "Yulianti", "Permata", "Anggraini", "Maharani")  # fmt: skip

# Academic degrees after the name, by education and unit kind (doctors carry "dr." in front).
DEGREES: dict[tuple[str, str], tuple[str, ...]] = {
    ("D3", "hospital"): ("A.Md.Kep.", "A.Md.Keb.", "A.Md.Farm."),
    ("D3", "health"): ("A.Md.Kep.", "A.Md.Keb.", "A.Md.Gz."),
    ("D3", ""): ("A.Md.", "A.Md.Kom.", "A.Md.Ak."),
    ("S1", "school"): ("S.Pd.", "S.Pd.I.", "S.Si."),
    ("S1", "hospital"): ("S.Kep., Ns.", "S.Farm., Apt.", "S.KM."),
    ("S1", "health"): ("S.KM.", "S.Kep., Ns.", "S.Tr.Keb."),
    ("S1", ""): ("S.E.", "S.H.", "S.Sos.", "S.IP.", "S.Kom.", "S.T.", "S.AP."),
    ("S2", "school"): ("M.Pd.",),
    ("S2", ""): ("M.Si.", "M.M.", "M.H.", "M.T.", "M.AP."),
}  # fmt: skip

VILLAGES = (
    "Talawi Hilir", "Kumbayau", "Sijantang Koto", "Muaro Kalaban", "Silungkang Oso", "Silungkang Duo", "Kolok Mudik",
    "Kolok Nan Tuo", "Santur", "Rantih", "Talago Gunung", "Durian II", "Saringan", "Tanah Lapang", "Air Dingin",
    "Aur Mulyo", "Lumindai", "Lunto Timur", "Pasar Kubang", "Balai Batu Sandaran",
)  # fmt: skip
"""Desa and kelurahan of Sawahlunto, for complaints and forums."""
