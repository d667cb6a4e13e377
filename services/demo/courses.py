"""What the demo city's civil servants learn from: the providers' courses and their topics.

Each course names its SIASN training kind, the sender that reports it, how its length is stated
(the curriculum's JP for structured training, days for seminars and workshops, hours for the rest:
the policy's conversion rule then gives the JP) and how often it is taken.
"""

from dataclasses import dataclass
from typing import Literal

BPSDM, LAN, LMS = "bpsdm-sumbar", "lan-ri", "lms-sawahlunto"


@dataclass(frozen=True)
class Course:
    """One kind of activity offered by a provider; ``title`` may name ``{topic}`` or ``{specialist}``."""

    kind: str
    competency_type: Literal["teknis", "manajerial", "sosial-kultural", "fungsional"]
    title: str
    source: str
    providers: tuple[str, ...]
    measure: Literal["stated", "days", "hours"]
    low: int
    high: int
    weight: int
    certificate: bool = True
    for_kinds: tuple[str, ...] = ()
    """Position kinds it is meant for; empty means everyone."""


CITY_PARTNERS = (
    "BKPSDM Kota Sawahlunto", "BKPSDM Kota Sawahlunto", "Universitas Andalas", "Universitas Negeri Padang",
    "Politeknik Negeri Padang", "UIN Imam Bonjol Padang", "Diskominfo Kota Sawahlunto",
)  # fmt: skip

COURSES: tuple[Course, ...] = (
    Course("3", "teknis", "Pelatihan Teknis {topic}", BPSDM, ("BPSDM Provinsi Sumatera Barat",), "stated", 24, 40, 9),
    Course("2", "fungsional", "Pelatihan Penjenjangan Jabatan Fungsional {specialist}", BPSDM,
           ("BPSDM Provinsi Sumatera Barat",), "stated", 40, 60, 3, for_kinds=("fungsional",)),
    Course("5", "manajerial", "Pelatihan Manajerial Pengelolaan Kinerja Organisasi", BPSDM,
           ("BPSDM Provinsi Sumatera Barat",), "stated", 24, 32, 8, for_kinds=("jpt", "administrator", "pengawas")),
    Course("6", "sosial-kultural", "Pelatihan Wawasan Kebangsaan dan Moderasi Beragama", BPSDM,
           ("BPSDM Provinsi Sumatera Barat",), "stated", 16, 24, 2),
    Course("8", "teknis", "Bimbingan Teknis {topic}", LMS, CITY_PARTNERS, "hours", 12, 24, 9),
    Course("4", "teknis", "Workshop {topic}", LMS, CITY_PARTNERS, "days", 1, 3, 7),
    Course("9", "teknis", "Seminar {topic}", LMS, CITY_PARTNERS, "days", 1, 2, 9),
    Course("7", "teknis", "Sosialisasi {regulation}", LMS, ("BKPSDM Kota Sawahlunto", "Bagian Hukum Setda Sawahlunto"),
           "hours", 3, 6, 7, certificate=False),
    Course("10", "teknis", "Magang {topic}", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 40, 80, 1),
    Course("11", "teknis", "Kursus {course}", LMS, ("Politeknik Negeri Padang", "Universitas Andalas"), "hours", 16,
           32, 2),
    Course("16", "teknis", "ASN Unggul: {mooc}", LAN, ("Lembaga Administrasi Negara",), "hours", 6, 20, 12),
    Course("16", "teknis", "E-Learning Sawahlunto: {topic}", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 3, 10, 8),
    Course("17", "teknis", "Pelatihan Jarak Jauh {topic}", BPSDM, ("BPSDM Provinsi Sumatera Barat",), "hours", 20,
           30, 3),
    Course("14", "manajerial", "Coaching Kinerja oleh Atasan Langsung", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 2,
           4, 6, certificate=False),
    Course("15", "manajerial", "Mentoring {topic}", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 2, 6, 3,
           certificate=False),
    Course("23", "teknis", "Komunitas Belajar {specialist}", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 2, 4, 4,
           certificate=False),
    Course("24", "teknis", "Bimbingan di Tempat Kerja: {topic}", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 4, 8, 3,
           certificate=False),
    Course("20", "teknis", "Patok Banding {topic}", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 12, 16, 1),
    Course("22", "teknis", "Belajar Mandiri: {mooc}", LMS, ("BKPSDM Kota Sawahlunto",), "hours", 2, 8, 3,
           certificate=False),
)  # fmt: skip

COMMON_TOPICS = ("Core Values ASN BerAKHLAK", "Penyusunan SKP dan Manajemen Kinerja", "Literasi Digital",
                 "Pelayanan Publik Prima", "Tata Naskah Dinas Elektronik")  # fmt: skip
TOPICS: dict[str, tuple[str, ...]] = {
    "agency": ("Sistem Pemerintahan Berbasis Elektronik (SPBE)", "Penyusunan Laporan Kinerja (LKjIP)",
               "Pengadaan Barang/Jasa Pemerintah", "Pengelolaan Keuangan Daerah (SIPD)", "Manajemen Risiko",
               "Analisis Kebijakan Publik", "Keamanan Informasi", "Pengelolaan Arsip Dinamis"),
    "school": ("Implementasi Kurikulum Merdeka", "Asesmen Diagnostik dan Formatif", "Pembelajaran Berdiferensiasi",
               "Platform Merdeka Mengajar", "Pendidikan Inklusif", "Literasi dan Numerasi"),
    "hospital": ("Basic Trauma Cardiac Life Support (BTCLS)", "Pencegahan dan Pengendalian Infeksi",
                 "Keselamatan Pasien", "Rekam Medis Elektronik", "Pelayanan Kegawatdaruratan"),
    "health": ("Percepatan Penurunan Stunting", "Imunisasi Rutin Lengkap", "Surveilans Penyakit Menular",
               "Kesehatan Ibu dan Anak", "Kesehatan Jiwa Masyarakat"),
    "district": ("Administrasi Kependudukan", "Pelayanan Administrasi Terpadu Kecamatan (PATEN)",
                 "Pemberdayaan Masyarakat Desa", "Penanganan Pengaduan Masyarakat", "Pengelolaan Dana Kelurahan"),
}  # fmt: skip
REGULATIONS = (
    "UU Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara", "PP Nomor 94 Tahun 2021 tentang Disiplin PNS",
    "PermenPANRB Nomor 6 Tahun 2022 tentang Pengelolaan Kinerja",
    "UU Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi",
    "Perpres Nomor 95 Tahun 2018 tentang SPBE", "Perwako Sawahlunto tentang Budaya Kerja ASN",
)  # fmt: skip
MOOCS = ("Literasi Digital", "Manajemen ASN", "Keamanan Siber untuk ASN", "Kepemimpinan Digital",
         "Pelayanan Publik Berbasis Digital", "Inovasi Sektor Publik", "Analisis Data untuk Kebijakan")  # fmt: skip
KURSUS = ("Bahasa Inggris untuk Pelayanan Publik", "Desain Grafis untuk Kehumasan", "Analisis Data dengan Spreadsheet")
HOST_AGENCIES = (
    "Mal Pelayanan Publik Kota Padang Panjang", "Dinas Komunikasi dan Informatika Kota Padang",
    "RSUP Dr. M. Djamil Padang", "Pemerintah Kota Bukittinggi", "Dinas Dukcapil Kota Payakumbuh",
    "Pemerintah Kabupaten Banyuwangi", "Command Center Pemerintah Kota Surabaya", "Bapelkes Padang",
)  # fmt: skip

ASSESSED_COMPETENCIES = ("11", "15", "18", "5", "7", "28", "50", "34", "51")
"""SIASN kompetensi ids measured by an assessment: the nine managerial and socio-cultural ones."""
