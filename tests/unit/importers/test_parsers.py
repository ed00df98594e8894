"""Each source's pure parse step on tiny inline files, including the quirks of the real publications."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from data.importers.boundaries import parse_boundaries, parse_catchment_lookup
from data.importers.cqc import parse_cqc
from data.importers.fingertips import area_level, parse_fingertips
from data.importers.gp import parse_list_sizes, parse_nhsuk_gp, parse_qof_prevalence, qof_period
from data.importers.imd import parse_imd
from data.importers.kpi import parse_kpi_definitions, parse_kpi_observations
from data.importers.ods import parse_epcn, parse_epraccur
from models import AreaLevel
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.unit

FT_HEADER = ("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,"
             "Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,"
             "Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,"
             "Compared to parent value or percentiles,Time period Sortable,New data,Compared to goal,"
             "Time period range\r\n")


def test_fingertips_27_columns_gp_level_quarters_and_skips() -> None:
    data = (FT_HEADER
            + '90001,"Flu\n",,,E92000001,England,England,Persons,65+ yrs,,,2022/23,80.1,,,,,,,,,,,,,,1y\r\n'
            + '90001,"Flu\n",U1,PCN,E83003,Oak,GPs,Persons,65+ yrs,,,2022/23,"1,234.5",1200,1300,,,10,20,,,,,,,,1y\r\n'
            + '90001,"Flu\n",U1,PCN,E83003,Oak,GPs,Persons,65+ yrs,Deprivation,Most,2022/23,1,,,,,,,,,,,,,,1y\r\n'
            + "90001,Flu,U1,PCN,E83005,Lich,GPs,Persons,65+ yrs,,,2022/23 Q3,8,,,,,,,,,,,,,,1y\r\n")
    bad = parse_fingertips(data.replace(",2022/23 Q3,8,", ",2022/23 Q3,x,").encode(), "ft.csv", {})
    # the schema refuses the file before converting anything: row 5 (file line 8), the header as written
    assert [(p.row, p.line, p.column, p.value) for p in bad.problems] == [(5, 8, "Value", "x")] and bad.frame.empty
    parsed = parse_fingertips(data.encode(), "ft.csv", {})
    # the inequality breakdown (Category Type set) is kept as its own indicator, not dropped; England is kept as
    # the benchmark level (a comparator, not an area)
    assert parsed.frame["area_code"].tolist() == ["E92000001", "E83003", "E83003", "E83005"]
    assert parsed.frame["level"].tolist() == ["england", "practice", "practice", "practice"]
    assert parsed.frame["category"].tolist()[2] == "Most" and parsed.frame["kpi_code"].nunique() == 2
    assert all(code.startswith("FT90001-") for code in parsed.frame["kpi_code"])  # no Persons / All ages one
    assert parsed.frame.loc[1, "value"] == 1234.5 and parsed.frame.loc[0, "value"] == 80.1
    assert parsed.frame.loc[1, "period_start"] == date(2022, 4, 1)
    assert parsed.problems == []
    assert len(parsed.notes) == 2 and "1 rows of England" in parsed.notes[0]  # benchmarks counted; breakdowns


def test_fingertips_benchmark_rows_need_their_levels_published_code() -> None:
    data = (FT_HEADER
            + '90001,Flu,,,E12000007,London region,England,Persons,65+ yrs,,,2022/23,80.1,,,,,,,,,,,,,,1y\r\n'
            + '90001,Flu,,,E92000001,London region,Region,Persons,65+ yrs,,,2022/23,80.1,,,,,,,,,,,,,,1y\r\n'
            + '90001,Flu,,,E12000007,London region,Region,Persons,65+ yrs,,,2021/22,79.1,,,,,,,,,,,,,,1y\r\n'
            + '90001,Flu,,,E38000240,NCL,Sub ICB,Persons,65+ yrs,,,2021/22,79.1,,,,,,,,,,,,,,1y\r\n')
    parsed = parse_fingertips(data.encode(), "ft.csv", {})
    wrong = [(p.row, p.column, p.value) for p in parsed.problems]
    assert wrong == [(2, "Area Code", "E12000007"), (3, "Area Code", "E92000001")]
    assert "E92000001" in parsed.problems[0].message and "E12 and 6 digits" in parsed.problems[1].message
    assert any("skipped 1 rows of area types this dashboard has no level for (Sub ICB)" in n for n in parsed.notes)


def test_fingertips_area_types() -> None:
    assert area_level("GPs") is AreaLevel.PRACTICE
    assert area_level("PCNs (v. 25/10/23)") is AreaLevel.PCN
    assert area_level("Counties & UAs (from Apr 2023)") is AreaLevel.BOROUGH
    assert area_level("ICBs") is AreaLevel.SYSTEM
    assert area_level("Sub-ICBs") is None and area_level("CCGs (from Apr 2021)") is None
    assert area_level("England") is AreaLevel.ENGLAND and area_level("Country") is AreaLevel.ENGLAND
    assert area_level("Region") is AreaLevel.REGION and area_level("NHS region (from Apr 2019)") is AreaLevel.NHS_REGION


def test_fingertips_real_export_with_ragged_rows_and_embedded_newlines() -> None:
    path = realdata("fingertips", "indicators-CountyUA.data.csv")
    parsed = parse_fingertips(path.read_bytes(), path.name, {})
    assert parsed.rows_read == 852 and not parsed.problems
    observed = parsed.frame[parsed.frame["level"].notna()]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kinds = Counter(r["Area Type"] for r in rows if r["Value"] or r["Count"])
    # every row with a value is kept: County & UA rows as boroughs, Country and Region rows as benchmarks
    assert Counter(observed["level"]) == {"borough": kinds["County & UA"], "england": kinds["Country"],
                                          "region": kinds["Region"]}
    assert len(observed) == 842 and sum(kinds.values()) == 842  # 852 records less 10 without a value
    assert set(observed.loc[observed["level"] == "england", "area_code"]) == {"E92000001"}
    assert parsed.frame["kpi_code"].nunique() == 22  # every sex x age x category breakdown of the file
    barnet = observed[(observed["area_code"] == "E09000003") & (observed["kpi_code"] == "FT93356")]
    assert barnet["period_start"].tolist() == [date(2015, 1, 1), date(2016, 1, 1), date(2017, 1, 1)]


def test_epraccur_inline_headerless_with_closed_practice_and_bad_date() -> None:
    def row(code: str, opened: str, closed: str, setting: str) -> str:
        cells = [code, "SURGERY " + code, "Y56", "QMJ", "1 ROAD", "", "", "LONDON", "", "N1 1AA", opened, closed,
                 "A", "B", "93C", "", "", "", "", "", "", "0", "", "93C", "", setting, ""]
        return ",".join(f'"{c}"' for c in cells) + "\r\n"
    data = row("F83001", "19740401", "", "4") + row("F83002", "19740401", "20200331", "4") + \
        row("F83003", "1974-13-01", "", "4") + row("Y99999", "20200101", "", "1")
    refused = parse_epraccur(data.encode(), "epraccur.csv", {})
    assert [(p.row, p.column, p.value) for p in refused.problems] == [(3, "11 Open Date", "1974-13-01")]
    assert refused.frame.empty  # the schema refuses the file before anything is converted
    parsed = parse_epraccur(data.replace("1974-13-01", "19740401").encode(), "epraccur.csv", {})
    assert parsed.frame["code"].tolist() == ["F83001", "F83002", "F83003"]
    assert parsed.frame.loc[1, "close_date"] == date(2020, 3, 31)
    assert parsed.problems == [] and "prescribing setting" in parsed.notes[0]


def test_epcn_inline_workbook_with_line_break_headers_and_ended_memberships() -> None:
    buffer = io.BytesIO()
    pcns = pd.DataFrame({"PCN Code": ["U00001", "U00002"], "PCN Name": ["ONE PCN", "TWO PCN"],
                         "Current Sub ICB Loc Code": ["93C", "93C"], "Open Date": ["20191001", "20191001"],
                         "Close Date": [None, "20230331"]})
    partners = pd.DataFrame({"Partner\nOrganisation\nCode": ["F83001", "F83002", "F83003"],
                             "PCN Code": ["U00001", "U00001", "U00009"],
                             "Practice to PCN\nRelationship\nStart Date": ["20191001", "20191001", "20191001"],
                             "Practice to PCN\nRelationship\nEnd Date": [None, "20210331", None],
                             "Practice Sub ICB Loc and PCN Sub ICB Loc Match ": [True, True, True]})
    with pd.ExcelWriter(buffer) as writer:
        pcns.to_excel(writer, sheet_name="PCNDetails", index=False)
        partners.to_excel(writer, sheet_name="PCN Core Partner Details", index=False)
    parsed = parse_epcn(buffer.getvalue(), "ePCN.xlsx", {})
    members = parsed.frame[parsed.frame["record"] == "member"]
    assert members["end_date"].tolist()[1] == date(2021, 3, 31)
    assert [(p.row, p.value) for p in parsed.problems if p.severity == "error"] == [(4, "U00009")]


def test_list_sizes_nhs_digital_and_emis_date_formats() -> None:
    nhsd = b"PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n" \
           b"GP_PRAC_PAT_LIST,01Jun2021,GP,93C,E38000240,E83003,N20 0DH,ALL,ALL,9172\n" \
           b"GP_PRAC_PAT_LIST,01Jun2021,GP,93C,E38000240,E83003,N20 0DH,MALE,ALL,4000\n"
    parsed = parse_list_sizes(nhsd, "gp-reg-pat-prac-all.csv", {})
    assert parsed.frame[["practice_code", "extract_date", "patients"]].values.tolist() == [
        ["E83003", date(2021, 6, 1), 9172]]
    emis = b"CODE,GP_PRACTICE,LIST_SIZE,EXTRACT_DATE\nF85063,THE PRACTICE,\"14,569\",01-Apr-21\nF1,X,-3,01-Apr-21\n"
    parsed = parse_list_sizes(emis, "emis.csv", {})
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(3, "CODE", "F1"), (3, "LIST_SIZE", "-3")]
    parsed = parse_list_sizes(emis.replace(b"\nF1,X,-3,01-Apr-21", b""), "emis.csv", {})
    assert parsed.frame.loc[0, "patients"] == 14569 and parsed.problems == []


def test_qof_period_from_name_or_option_and_register_over_list_is_a_warning() -> None:
    assert qof_period("PREVALENCE_2021_v2.csv") == (date(2020, 4, 1), date(2021, 3, 31))
    assert qof_period("x.csv", "2022/23")[0] == date(2022, 4, 1)
    data = b"PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\nY05750,LD,137,TOTAL,132\n"
    parsed = parse_qof_prevalence(data, "PREVALENCE_2021.csv", {})
    assert parsed.frame.loc[0, "kpi_code"] == "QOF_LD"
    assert [p.severity for p in parsed.problems] == ["warning"]
    unknown_year = parse_qof_prevalence(data, "prev.csv", {}).problems
    assert [p.column for p in unknown_year if p.severity == "error"] == [None]  # year unknown -> asks for it


def test_nhs_website_gp_file_cp1252_with_not_sign_delimiter_and_scientific_longitude() -> None:
    text = ("OrganisationCode¬OrganisationType¬OrganisationName¬Postcode¬Latitude¬Longitude¬ParentODSCode\n"
            "F83001¬GP¬Café Surgery¬N1 1AA¬51.5¬-7.43E-02¬08H\nF83001001¬GP¬Branch¬N1 1AB¬51.5¬-0.1¬08H\n")
    parsed = parse_nhsuk_gp(text.encode("cp1252"), "GP.csv", {})
    assert parsed.frame[["record", "practice_code", "longitude"]].values.tolist() == [
        ["practice", "F83001", -0.0743], ["site", "F83001", -0.1]]  # the branch kept, linked to its practice
    assert parsed.frame["site_code"].fillna("").tolist() == ["", "F83001001"]


CQC_HEADER = ",".join([
    "location id", "Location Name", "CARE HOME?", "Care home beds", "Location Latest Overall Rating",
    "Publication Date", "Location Local Authority", "Location Postal Code", "Location Latitude",
    "Location Longitude", "Service type - Care home service with nursing", "Brand Name",
])
CQC_CSV = "HSCA Active Locations\nData as at 1 May 2024\n\n" + CQC_HEADER + """
1-100,Oak House,Y,40,Good,12/03/2023,Barnet,N20 0DH,51.63,-0.17,Y,
1-101,Elm Lodge,Y,"1,2x",Outstanding,2023-01-01,Camden,NW1 1AA,51.54,-0.14,,
1-102,Clinic,N,,Good,,Barnet,,,,,
1-103,Ash Court,Y,12,Brilliant,,Leeds,LS1 1AA,53.8,-1.55,,
"""


def test_cqc_title_block_drifted_headers_and_row_level_problems() -> None:
    refused = parse_cqc(CQC_CSV.encode(), "HSCA_Active_Locations.csv", {})
    # the columns as the file heads them ('Care home beds', not the importer's own label)
    assert [(p.row, p.column, p.value) for p in refused.problems if p.severity == "error"] == [
        (6, "Care home beds", "1,2x"), (8, "Location Latest Overall Rating", "Brilliant")]
    parsed = parse_cqc(CQC_CSV.replace('"1,2x"', "12").replace("Brilliant", "Good").encode(), "cqc.csv", {})
    assert parsed.frame["location_id"].tolist() == ["1-100", "1-101", "1-103"]
    first = parsed.frame.iloc[0]
    assert (first["beds"], first["care_type"], first["cqc_rating"], first["rating_date"]) == (
        40, "nursing", "Good", date(2023, 3, 12))
    assert not [p for p in parsed.problems if p.severity == "error"]
    assert any("Brand Name" in p.message for p in parsed.problems if p.severity == "warning")


def test_cqc_ods_workbook(tmp_path) -> None:
    lines = CQC_CSV.splitlines()[3:]
    frame = pd.read_csv(io.StringIO("\n".join(lines[:2])), dtype=str)
    path = tmp_path / "cqc.ods"
    frame.to_excel(path, index=False, engine="odf")
    parsed = parse_cqc(path.read_bytes(), "cqc.ods", {})
    assert parsed.frame["location_id"].tolist() == ["1-100"] and parsed.frame.loc[0, "beds"] == 40


def _square(x: float, y: float, size: float) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def test_boundaries_in_british_national_grid_are_reprojected_and_a_bow_tie_refused(tmp_path) -> None:
    bowtie = shapely.Polygon([(530000, 180000), (531000, 181000), (531000, 180000), (530000, 181000)])
    gdf = gpd.GeoDataFrame({"WD22CD": ["E05000001", "E05000002"], "WD22NM": ["A", "B"]},
                           geometry=[_square(529000, 180000, 1000), bowtie], crs=27700)
    path = tmp_path / "wards.gpkg"
    gdf.to_file(path, engine="pyogrio")
    parsed = parse_boundaries(path.read_bytes(), "wards.gpkg", {})
    assert parsed.frame["level"].tolist() == ["ward", "ward"] and set(parsed.frame["vintage"]) == {"2022"}
    assert -0.2 < parsed.frame.loc[0, "min_lon"] < -0.1 and 51.4 < parsed.frame.loc[0, "min_lat"] < 51.6
    # a self-cancelling ring is not "repaired" into two triangles: its repair would double its area
    assert [(p.row, p.severity, p.value) for p in parsed.problems] == [(2, "error", "E05000002")]
    zipped = tmp_path / "wards.zip"
    gdf.iloc[:1].to_file(tmp_path / "wards.shp", engine="pyogrio")
    with zipfile.ZipFile(zipped, "w") as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(tmp_path / f"wards.{ext}", f"wards.{ext}")
    parsed = parse_boundaries(zipped.read_bytes(), "wards.zip", {})
    assert parsed.frame["code"].tolist() == ["E05000001"]


def test_boundaries_need_a_level_when_fields_do_not_say() -> None:
    data = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "X"},
                       "geometry": shapely.geometry.mapping(_square(0, 51, 0.1))}]}).encode()
    with pytest.raises(Exception, match="level"):
        parse_boundaries(data, "areas.geojson", {})
    parsed = parse_boundaries(data, "areas.geojson", {"level": "msoa", "vintage": "2021"})
    assert parsed.frame.loc[0, "level"] == "msoa"


def test_catchment_lookup_rejects_an_area_in_two_pcns() -> None:
    parsed = parse_catchment_lookup(b"lsoa code,pcn\nE01000001,U00001\nE01000001,U00002\nE01000002,U00001\n",
                                    "l.csv", {})
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(3, "pcn", "U00002")]
    assert "U00001 in row 2" in parsed.problems[0].message


def test_imd_thousands_separators_and_ranges() -> None:
    data = ('\ufeffLSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,'
            'Index of Multiple Deprivation (IMD) Decile\r\nE01000001,A,"29,199",9\r\nE01000002,B,5,11\r\n'
            'X1,C,5,1\r\n')
    refused = parse_imd(data.encode(), "imd.csv", {})
    assert [(p.row, p.column, p.value) for p in refused.problems] == [
        (4, "LSOA code (2011)", "X1"), (3, "Index of Multiple Deprivation (IMD) Decile", "11")]
    parsed = parse_imd(data.replace("B,5,11", "B,5,10").replace("X1,", "E01000003,").encode(), "imd.csv", {})
    assert parsed.frame.loc[0, "imd_rank"] == 29199 and parsed.problems == []


def test_kpi_templates_report_each_bad_cell() -> None:
    data = b"kpi_code,initiative_code,name,definition,unit,value_type,polarity,source,levels,multiplier\n" \
           b"A,I,n,d,%,percent,higher,s,practice;planet,0\n"
    parsed = parse_kpi_definitions(data, "k.csv", {})
    assert {p.column for p in parsed.problems} == {"value_type", "levels", "multiplier"}
    obs = parse_kpi_observations(b"kpi,level,area,period,value\nA,gp,f83004,2023-04,1\n"
                                 b"A,practice,F83004,2023-04-09,2\n", "o.csv", {})
    assert [(p.row, p.column, "as row 2" in p.message) for p in obs.problems] == [(3, "kpi", True)]
    # a practice is named by its ODS code (a letter and 5 digits): x1 is refused, in the file's own column
    bad = parse_kpi_observations(b"kpi,level,area,period,value\nA,gp,x1,2023-04,1\n", "o.csv", {})
    assert [(p.row, p.column, p.value) for p in bad.problems] == [(2, "area", "x1")]


def test_cqc_columns_the_importer_does_not_load_are_checked_too() -> None:
    header = CQC_HEADER + ",Location HSCA start date"
    good = "1-100,Oak House,Y,40,Good,12/03/2023,Barnet,N20 0DH,51.63,-0.17,Y,,01/02/2010\n"
    bad = "1-101,Elm Lodge,Y,12,Good,01/01/2023,Camden,NW1 1AA,51.54,-0.14,,,31/02/2010\n"
    later = "1-102,Ash Court,Y,12,Good,01/01/2009,Camden,NW1 1AA,51.54,-0.14,,,01/01/2010\n"
    parsed = parse_cqc(f"{header}\n{good}{bad}{later}".encode(), "cqc.csv", {})
    assert [(p.severity, p.row, p.column, p.value) for p in parsed.problems if p.column is not None] == [
        ("error", 3, "Location HSCA start date", "31/02/2010"), ("warning", 4, "Publication Date", "01/01/2009")]
