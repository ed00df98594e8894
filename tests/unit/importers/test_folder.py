"""Recognising published files by their content (issue 16 item 1): names are never what decides."""

from __future__ import annotations

import io
import zipfile

import pytest

from data.importers.folder import FileItem, detect, plan, read_zip
from tests.unit.importers.realdata import realdata

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("parts", "source"),
    [
        (("nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv"), "epraccur"),
        (("nhsd", "epcn", "ePCN_blackwellrd_2023-02.xlsx"), "epcn"),
        (("nhsd", "qof_2020-21", "PREVALENCE_2021_v2.csv"), "qof_prevalence"),
        (("nhsd", "qof_2020-21", "MAPPING_INDICATORS_2021_v2.csv"), "qof_indicators"),
        (("nhsd", "gp_registered_patients", "gp-reg-pat-prac-all_2021-06_ncl93C.csv"), "gp_list_size"),
        (("ncl_icb", "emis_list_size_2021-04-01.csv"), "gp_list_size"),
        (("fingertips", "indicators-CountyUA.data.csv"), "fingertips"),
        (("nhsuk", "2019-05", "GP.csv"), "nhsuk_gp"),
        (("nhsuk", "2019-05", "TRUST.csv"), "nhsuk_trust"),
        (("nhse", "ae_attendances_2016-04_2019-03.csv"), "ae_attendances"),
        (("imd2019", "File_2_-_IoD2019_Domains_of_Deprivation_london.csv"), "imd2019"),
        (("ons", "lsoa_by_lad", "E09000003.json"), "boundaries"),
        (("nhsuk", "2019-05", "CCG.csv"), None),
        (("nhsd", "qof_2020-21", "ORGANISATION_REFERENCE_2021.csv"), None),
    ],
)
def test_real_files_are_recognised_whatever_their_name(parts, source) -> None:
    data = realdata(*parts).read_bytes()
    suffix = "." + parts[-1].rsplit(".", 1)[1]
    found, reason = detect("upload" + suffix, data)
    assert found == source, reason
    assert reason


def test_files_are_ordered_registers_first_and_monthly_files_oldest_first() -> None:
    june = realdata("nhsd", "gp_registered_patients", "gp-reg-pat-prac-all_2021-06_ncl93C.csv").read_bytes()
    may = realdata("nhsd", "gp_registered_patients", "gp-reg-pat-prac-all_2022-05_ncl93C.csv").read_bytes()
    practices = realdata("nhsd", "epraccur", "epraccur_blackwellrd_2023-02.csv").read_bytes()
    items = [FileItem("b/list_2022-05.csv", may), FileItem("a/list_2021-06.csv", june),
             FileItem("z/practices.csv", practices), FileItem("empty.csv", b"")]
    detected, files = plan(items)
    assert [d.path for d in detected] == ["z/practices.csv", "a/list_2021-06.csv", "b/list_2022-05.csv", "empty.csv"]
    assert [f.path for f in files] == ["z/practices.csv", "a/list_2021-06.csv", "b/list_2022-05.csv"]
    assert detected[-1].reason == "empty file"


def test_a_zip_of_folders_is_read_file_by_file_and_a_bad_zip_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data/one.csv", "a,b\n1,2\n")
        archive.writestr("data/", "")
        archive.writestr("__MACOSX/._one.csv", "x")
    assert [i.path for i in read_zip(buffer.getvalue())] == ["data/one.csv"]
    with pytest.raises(ValueError, match="not a readable zip"):
        read_zip(b"PK\x03\x04 broken")
