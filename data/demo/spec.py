"""What the synthetic demo dataset contains: scales, the NCL facts it is built on, workstreams and KPIs.

The figures follow the published NCL STP plans and public statistics where they exist (five boroughs with their
real ONS codes; 30 PCNs split 7/7/4/8/4; about 1.5 million registered patients; about 230 care homes with about
6,000 beds, 90 of them in Barnet and 8 in Islington; A&E attendances of about 316 per 1,000 patients a year with
practices from about 180 to 440). Everything generated from these is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from models import AreaLevel, Polarity, ValueType

SYNTHETIC_LABEL = "Synthetic demo data: generated, not real patients, practices or care homes."
DEMO_SOURCE = "Synthetic demo dataset (data/demo, fixed seed)"
DEMO_SEED = 20160401
FIRST_MONTH = date(2016, 4, 1)
LAST_MONTH = date(2024, 3, 1)


@dataclass(frozen=True)
class BoroughSpec:
    """One borough: real ONS code and name, PCN count, registered list and care-home facts."""

    code: str
    name: str
    pcns: int
    patients: int  # registered patients across the borough's practices
    care_homes: int
    mean_beds: float
    pcn_places: tuple[str, ...]  # neighbourhood names used to name the synthetic PCNs


NCL_BOROUGHS: tuple[BoroughSpec, ...] = (
    BoroughSpec(
        "E09000003",
        "Barnet",
        7,
        405_000,
        90,
        30.0,
        ("Edgware", "Hendon", "Finchley", "Mill Hill", "Chipping Barnet", "Colindale", "Golders Green"),
    ),
    BoroughSpec(
        "E09000007",
        "Camden",
        7,
        295_000,
        22,
        25.0,
        ("Kentish Town", "Hampstead", "Camden Town", "Kilburn", "Holborn", "Gospel Oak", "Somers Town"),
    ),
    BoroughSpec(
        "E09000010",
        "Enfield",
        4,
        300_000,
        80,
        22.5,
        ("Edmonton", "Enfield Town", "Southgate", "Enfield Lock"),
    ),
    BoroughSpec(
        "E09000014",
        "Haringey",
        8,
        292_000,
        30,
        19.0,
        (
            "Tottenham",
            "Wood Green",
            "Hornsey",
            "Muswell Hill",
            "Crouch End",
            "Seven Sisters",
            "Northumberland Park",
            "Highgate",
        ),
    ),
    BoroughSpec(
        "E09000019",
        "Islington",
        4,
        222_000,
        8,
        30.0,
        ("Holloway", "Highbury", "Finsbury", "Archway"),
    ),
)


@dataclass(frozen=True)
class Scale:
    """How big a demo to build: NCL alone, or an England-sized set of synthetic systems around it."""

    name: str
    systems: int
    practices_per_system: int


SCALES: dict[str, Scale] = {
    "ncl": Scale("ncl", systems=1, practices_per_system=180),
    # about 42 systems, 1,250 PCNs, 6,300 practices and 15,000 care homes (the England-scale performance set)
    "england": Scale("england", systems=42, practices_per_system=150),
}

ENGLAND_CARE_HOMES_PER_SYSTEM = 357


@dataclass(frozen=True)
class WorkstreamSpec:
    """A programme workstream."""

    code: str
    name: str
    description: str


@dataclass(frozen=True)
class InitiativeSpec:
    """An initiative within a workstream."""

    code: str
    workstream: str
    name: str
    owner: str
    description: str
    start: date
    end: date
    borough: str | None = None  # ONS code of a borough-level initiative; None for system-wide


@dataclass(frozen=True)
class KpiSpec:
    """A KPI and how its synthetic actuals are generated.

    ``unit_level`` is where values are simulated (then summed upwards); ``levels`` are the levels stored.
    ``denominator`` names what the denominator counts; ``denominator_share`` scales the list size (e.g. the
    share of patients on the diabetes register). For proportions, ``between_sd`` is the between-unit standard
    deviation on the logit scale; for rates, on the log scale. ``frequency`` is ``monthly`` or ``annual``.
    """

    code: str
    initiative: str
    name: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    value_type: ValueType
    multiplier: float
    polarity: Polarity
    source: str
    unit_level: AreaLevel
    levels: tuple[AreaLevel, ...]
    baseline: float
    target: float
    target_date: date
    validation_date: date
    between_sd: float
    denominator_kind: str = "patients"  # patients|patient_years|referrals|bed_years|care_homes|practices|fixed
    denominator_share: float = 1.0
    frequency: str = "monthly"
    annual_start_month: int = 4  # annual periods start in this month ...
    season_months: int = 12  # ... and last this many months (flu seasons: September to February)
    seasonal: float = 0.0  # amplitude of a winter peak on the link scale
    covid: bool = False  # activity fell in spring 2020
    caveats: str = ""
    counts_people: bool = True  # False: counts of organisations, never suppressed as small numbers
    # delivery factor by borough name (share of the planned improvement achieved); default 1.0
    delivery: dict[str, float] = field(default_factory=dict)
    # planted step changes: (borough name, first month, shift on the link scale)
    steps: tuple[tuple[str, date, float], ...] = ()


ALL_LEVELS_FROM_PRACTICE = (AreaLevel.PRACTICE, AreaLevel.PCN, AreaLevel.BOROUGH, AreaLevel.SYSTEM)
PCN_UP = (AreaLevel.PCN, AreaLevel.BOROUGH, AreaLevel.SYSTEM)

WORKSTREAMS: tuple[WorkstreamSpec, ...] = (
    WorkstreamSpec(
        "HCCH",
        "Health and Care Closer to Home",
        "Extended access to general practice and Care and Health Integrated Networks (CHINs) with "
        "Quality Improvement Support Teams (QISTs).",
    ),
    WorkstreamSpec("PREV", "Prevention", "Immunisation and case finding in primary care."),
    WorkstreamSpec(
        "UCR",
        "Urgent community response and reablement",
        "Crisis response within 2 hours and reablement within 2 days of referral.",
    ),
    WorkstreamSpec(
        "EHCH",
        "Enhanced Health in Care Homes",
        "A named GP practice for every care home, weekly review and fewer avoidable admissions.",
    ),
    WorkstreamSpec(
        "VAR",
        "Unwarranted variation in primary care",
        "Reducing unwarranted variation between practices in A&E use and outpatient referrals.",
    ),
    WorkstreamSpec("DIGI", "Digital access", "Online consultation offered by every practice."),
)

INITIATIVES: tuple[InitiativeSpec, ...] = (
    InitiativeSpec(
        "HCCH-EA",
        "HCCH",
        "Extended access to general practice",
        "Director of Primary Care",
        "Evening and weekend appointments through PCN hubs.",
        date(2017, 4, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "HCCH-CHIN",
        "HCCH",
        "CHINs and QISTs",
        "CHIN Programme Lead",
        "Practices working as Care and Health Integrated Networks, supported by QISTs, to improve "
        "long-term condition management.",
        date(2017, 10, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "PREV-FLU",
        "PREV",
        "Flu immunisation in at-risk groups",
        "Public Health Consultant",
        "Call and recall for at-risk patients under 65.",
        date(2017, 9, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "UCR-CRISIS",
        "UCR",
        "Crisis response within 2 hours",
        "Community Services Director",
        "Rapid response teams in every borough.",
        date(2019, 4, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "UCR-REABLE",
        "UCR",
        "Reablement within 2 days",
        "Community Services Director",
        "Reablement started within 2 days of referral.",
        date(2019, 4, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "EHCH-SUPPORT",
        "EHCH",
        "Care home support",
        "EHCH Clinical Lead",
        "Named GP practice, weekly home round and multidisciplinary review.",
        date(2017, 4, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "VAR-AE",
        "VAR",
        "Reducing variation in A&E attendances",
        "Urgent Care Lead",
        "Practice-level review of frequent attenders and same-day access.",
        date(2018, 4, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "VAR-REF",
        "VAR",
        "Reducing variation in outpatient referrals",
        "Planned Care Lead",
        "Referral support, advice and guidance.",
        date(2018, 4, 1),
        date(2024, 3, 31),
    ),
    InitiativeSpec(
        "DIGI-OC",
        "DIGI",
        "Online consultation",
        "Digital Programme Lead",
        "An online consultation system in every practice.",
        date(2017, 4, 1),
        date(2020, 3, 31),
    ),
)

# Borough crisis-response teams: borough-level initiatives that carry their own money (finance by borough).
BOROUGH_INITIATIVES: tuple[InitiativeSpec, ...] = tuple(
    InitiativeSpec(
        f"UCR-CRT-{b.name[:3].upper()}",
        "UCR",
        f"{b.name} crisis response team",
        f"{b.name} community services lead",
        f"The 2-hour crisis response team serving {b.name}.",
        date(2019, 4, 1),
        date(2024, 3, 31),
        borough=b.code,
    )
    for b in NCL_BOROUGHS
)

_GP_SOURCE = "Synthetic; shaped like GP clinical system extracts (QOF business rules)"
_SUS_SOURCE = "Synthetic; shaped like SUS+ A&E and admitted patient care data"

KPIS: tuple[KpiSpec, ...] = (
    KpiSpec(
        "EA_APPTS",
        "HCCH-EA",
        "Extended-access appointments per 1,000 patients",
        "Extended-access (evening and weekend) appointments delivered per 1,000 registered patients per year.",
        "Extended-access appointments delivered in the month.",
        "Registered patient-years in the month.",
        "per 1,000 patients a year",
        ValueType.RATE,
        1000.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like the GP extended access monitoring return",
        AreaLevel.PCN,
        PCN_UP,
        baseline=110.0,
        target=180.0,
        target_date=date(2019, 3, 31),
        validation_date=date(2019, 6, 30),
        between_sd=0.25,
        denominator_kind="patient_years",
        delivery={"Enfield": 0.55, "Haringey": 0.9},
    ),
    KpiSpec(
        "PAT_SAT_ACCESS",
        "HCCH-EA",
        "Patient satisfaction with access",
        "Share of survey respondents describing their experience of making an appointment as good.",
        "Respondents answering 'very good' or 'fairly good'.",
        "Respondents to the question.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like the GP Patient Survey",
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=67.0,
        target=75.0,
        target_date=date(2021, 3, 31),
        validation_date=date(2021, 7, 31),
        between_sd=0.45,
        denominator_kind="fixed",
        denominator_share=110,
        frequency="annual",
        caveats="Annual survey; small practices have wide intervals.",
        delivery={"Camden": 0.3, "Islington": 0.4},
    ),
    KpiSpec(
        "DIAB_8CP",
        "HCCH-CHIN",
        "Diabetes: all 8 care processes",
        "Patients on the diabetes register who received all eight NICE care processes in the last 12 months.",
        "Patients with all eight care processes recorded.",
        "Patients on the diabetes register.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        _GP_SOURCE,
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=52.0,
        target=65.0,
        target_date=date(2020, 3, 31),
        validation_date=date(2020, 6, 30),
        between_sd=0.35,
        denominator_share=0.065,
        steps=(("Enfield", date(2022, 4, 1), -0.45),),
    ),
    KpiSpec(
        "HTN_CONTROL",
        "HCCH-CHIN",
        "Hypertension: blood pressure controlled",
        "Patients with hypertension whose last blood pressure was 150/90 mmHg or less.",
        "Patients with BP at or below 150/90.",
        "Patients on the hypertension register.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        _GP_SOURCE,
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=77.0,
        target=82.0,
        target_date=date(2020, 3, 31),
        validation_date=date(2020, 6, 30),
        between_sd=0.3,
        denominator_share=0.11,
        covid=True,
        delivery={"Haringey": 0.6},
    ),
    KpiSpec(
        "AF_ANTICOAG",
        "HCCH-CHIN",
        "Atrial fibrillation: anticoagulated",
        "Patients with atrial fibrillation and CHA2DS2-VASc of 2 or more treated with anticoagulants.",
        "Patients on anticoagulants.",
        "Patients with AF and CHA2DS2-VASc of 2 or more.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        _GP_SOURCE,
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=80.0,
        target=90.0,
        target_date=date(2020, 3, 31),
        validation_date=date(2020, 6, 30),
        between_sd=0.35,
        denominator_share=0.011,
    ),
    KpiSpec(
        "HTN_PREV_GAP",
        "HCCH-CHIN",
        "Hypertension: recorded to expected prevalence",
        "Patients on the hypertension register as a percentage of the number expected from the practice's "
        "age, sex and deprivation profile (the gap is what case finding should close).",
        "Patients on the hypertension register.",
        "Expected patients with hypertension (modelled).",
        "% of expected",
        ValueType.STANDARDISED_RATIO,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like QOF registers and modelled prevalence estimates",
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=68.0,
        target=78.0,
        target_date=date(2021, 3, 31),
        validation_date=date(2021, 6, 30),
        between_sd=0.15,
        denominator_share=0.16,
        delivery={"Barnet": 0.7, "Enfield": 0.5},
        caveats="Expected prevalence is modelled and carries its own uncertainty.",
    ),
    KpiSpec(
        "FLU_ATRISK",
        "PREV-FLU",
        "Flu immunisation: at-risk under 65s",
        "Patients aged 6 months to 64 years in a clinical at-risk group vaccinated against flu in the season.",
        "Vaccinated at-risk patients.",
        "At-risk patients aged 6 months to 64.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like the ImmForm seasonal flu vaccine uptake collection",
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=44.0,
        target=55.0,
        target_date=date(2020, 2, 29),
        validation_date=date(2020, 4, 30),
        between_sd=0.3,
        denominator_share=0.12,
        frequency="annual",
        annual_start_month=9,
        season_months=6,
        delivery={"Camden": 0.8, "Enfield": 0.4, "Haringey": 0.5, "Islington": 0.7},
        caveats="Season runs September to February; values are end-of-season uptake.",
    ),
    KpiSpec(
        "UCR_2H",
        "UCR-CRISIS",
        "Crisis response within 2 hours",
        "Urgent community crisis referrals responded to within 2 hours.",
        "Crisis referrals seen within 2 hours.",
        "Crisis referrals received.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like the Community Services Data Set",
        AreaLevel.BOROUGH,
        (AreaLevel.BOROUGH, AreaLevel.SYSTEM),
        baseline=55.0,
        target=70.0,
        target_date=date(2022, 3, 31),
        validation_date=date(2022, 6, 30),
        between_sd=0.2,
        denominator_kind="referrals",
        denominator_share=0.0009,
        delivery={"Enfield": 0.3, "Camden": 1.1},
        steps=(("Haringey", date(2021, 10, 1), 0.55),),
    ),
    KpiSpec(
        "REABLE_2D",
        "UCR-REABLE",
        "Reablement within 2 days",
        "Reablement packages started within 2 days of referral.",
        "Packages started within 2 days.",
        "Reablement referrals.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like local authority reablement returns",
        AreaLevel.BOROUGH,
        (AreaLevel.BOROUGH, AreaLevel.SYSTEM),
        baseline=60.0,
        target=80.0,
        target_date=date(2022, 3, 31),
        validation_date=date(2022, 6, 30),
        between_sd=0.25,
        denominator_kind="referrals",
        denominator_share=0.0004,
        delivery={"Barnet": 0.7, "Islington": 0.5},
    ),
    KpiSpec(
        "CH_EMADM",
        "EHCH-SUPPORT",
        "Care homes: emergency admissions per 100 beds",
        "Emergency admissions of care-home residents per 100 care-home beds per year.",
        "Emergency admissions of residents.",
        "Care-home bed-years in the month.",
        "per 100 beds a year",
        ValueType.RATE,
        100.0,
        Polarity.LOWER_IS_BETTER,
        _SUS_SOURCE,
        AreaLevel.CARE_HOME,
        (AreaLevel.CARE_HOME, AreaLevel.PCN, AreaLevel.BOROUGH, AreaLevel.SYSTEM),
        baseline=62.0,
        target=48.0,
        target_date=date(2020, 3, 31),
        validation_date=date(2020, 9, 30),
        between_sd=0.3,
        denominator_kind="bed_years",
        seasonal=0.12,
        delivery={"Barnet": 0.6, "Enfield": 1.1},
    ),
    KpiSpec(
        "CH_AMB",
        "EHCH-SUPPORT",
        "Care homes: ambulance call-outs per 100 beds",
        "Ambulance call-outs to care homes per 100 care-home beds per year.",
        "Ambulance call-outs (incidents).",
        "Care-home bed-years in the month.",
        "per 100 beds a year",
        ValueType.RATE,
        100.0,
        Polarity.LOWER_IS_BETTER,
        "Synthetic; shaped like London Ambulance Service incident data",
        AreaLevel.CARE_HOME,
        (AreaLevel.CARE_HOME, AreaLevel.PCN, AreaLevel.BOROUGH, AreaLevel.SYSTEM),
        baseline=105.0,
        target=88.0,
        target_date=date(2020, 3, 31),
        validation_date=date(2020, 9, 30),
        between_sd=0.3,
        denominator_kind="bed_years",
        seasonal=0.1,
        delivery={"Haringey": 0.4},
    ),
    KpiSpec(
        "CH_NAMED_GP",
        "EHCH-SUPPORT",
        "Care homes with a named GP practice",
        "Care homes aligned to a named general practice (Enhanced Health in Care Homes).",
        "Care homes with a named GP practice.",
        "Care homes (CQC registered).",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like the EHCH care home alignment return",
        AreaLevel.CARE_HOME,
        PCN_UP,
        baseline=55.0,
        target=100.0,
        target_date=date(2020, 9, 30),
        validation_date=date(2020, 12, 31),
        between_sd=0.0,
        denominator_kind="care_homes",
        counts_people=False,
    ),
    KpiSpec(
        "AE_RATE",
        "VAR-AE",
        "A&E attendances per 1,000 patients",
        "Type 1 and 2 A&E attendances by registered patients per 1,000 registered patients per year.",
        "A&E attendances by the practice's registered patients.",
        "Registered patient-years in the month.",
        "per 1,000 patients a year",
        ValueType.RATE,
        1000.0,
        Polarity.LOWER_IS_BETTER,
        _SUS_SOURCE,
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=316.0,
        target=290.0,
        target_date=date(2021, 3, 31),
        validation_date=date(2021, 6, 30),
        between_sd=0.2,
        denominator_kind="patient_years",
        seasonal=0.06,
        covid=True,
        delivery={"Enfield": 1.2, "Haringey": 0.2},
        caveats="Attendances fell sharply in spring 2020 (COVID-19); read SPC signals from that period with care.",
    ),
    KpiSpec(
        "OP_REF_RATE",
        "VAR-REF",
        "Outpatient referrals per 1,000 patients",
        "GP referrals for a first outpatient appointment per 1,000 registered patients per year.",
        "GP referrals for first outpatient appointments.",
        "Registered patient-years in the month.",
        "per 1,000 patients a year",
        ValueType.RATE,
        1000.0,
        Polarity.LOWER_IS_BETTER,
        "Synthetic; shaped like the e-Referral Service and MAR data",
        AreaLevel.PRACTICE,
        ALL_LEVELS_FROM_PRACTICE,
        baseline=285.0,
        target=260.0,
        target_date=date(2021, 3, 31),
        validation_date=date(2021, 6, 30),
        between_sd=0.22,
        denominator_kind="patient_years",
        covid=True,
        delivery={"Camden": 0.5},
    ),
    KpiSpec(
        "ONLINE_CONSULT",
        "DIGI-OC",
        "Practices offering online consultation",
        "GP practices offering an online consultation system to their patients.",
        "Practices offering online consultation.",
        "Open GP practices.",
        "%",
        ValueType.PROPORTION,
        100.0,
        Polarity.HIGHER_IS_BETTER,
        "Synthetic; shaped like the NHS Digital online consultation survey",
        AreaLevel.PRACTICE,
        PCN_UP,
        baseline=0.0,
        target=100.0,
        target_date=date(2020, 3, 31),
        validation_date=date(2020, 6, 30),
        between_sd=0.0,
        denominator_kind="practices",
        counts_people=False,
    ),
)
