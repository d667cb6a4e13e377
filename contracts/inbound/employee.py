"""Who a civil servant is and where they work: published by BKPSDM."""

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from contracts.identifiers import EmployeeNumber
from contracts.inbound.base import Code, EmployeeEvent, Identifier, Name
from contracts.reference import checker

EmployeeType = Annotated[Code, AfterValidator(checker("jenisPegawai", "employee type"))]
Rank = Annotated[
    Code,
    Field(description="SIASN golongan id, 11 (I/a) to 45 (IV/e)"),
    AfterValidator(checker("golonganPns", "rank")),
]
Status = Annotated[
    Code,
    Field(description="SIASN kedudukanHukum id, 01 = Aktif"),
    AfterValidator(checker("kedudukanHukum", "status")),
]


class EmployeeRegisteredV1(EmployeeEvent):
    """Opens a civil servant's record. Birth date, gender and start must match the number.

    ``start_date`` is the TMT CPNS for a PNS and the appointment date for a PPPK.
    """

    event_type: ClassVar[str] = "employee-registered"
    version: ClassVar[int] = 1

    asn_kind: Literal["PNS", "PPPK"]
    name: Name
    birth_date: date
    gender: Literal["M", "F"]
    start_date: date
    employee_type: EmployeeType
    rank: Rank | None = Field(default=None, description="Required for a PNS.")
    status: Status = "01"


class PlacementChangedV1(EmployeeEvent):
    """A civil servant is placed in a unit (OPD) and position by a decree (SK)."""

    event_type: ClassVar[str] = "placement-changed"
    version: ClassVar[int] = 1

    unit_code: Identifier = Field(description="The unit's code (SIASN unor id or the city's own).")
    unit_name: Name
    position: Name
    position_kind: Literal["jpt", "administrator", "pengawas", "pelaksana", "fungsional"]
    superior_nip: EmployeeNumber | None = Field(default=None, description="The direct superior (atasan).")
    decree_number: Identifier
    decree_date: date
    effective_date: date
