"""The publisher's identity comes from one file, datasets/publisher.yaml: a broken one stops
every run, and real (not illustrative) data are never published under a missing or placeholder
DIR3 code: exit 4, a message naming the file and the key, nothing published."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localret import paths, pipeline, publisher
from localret.publisher import PublisherConfigError
from site_helpers import TEST_CONTACT_EMAIL, TEST_DIR3, configured_project

AS_OF = dt.date(2026, 11, 27)
BIN = Path(sys.executable).parent / "localret"


def real_sources(dest: Path) -> Path:
    """The sample's files without its manifest: sources nobody marked as illustrative."""
    shutil.copytree(paths.SAMPLE_SOURCES, dest, ignore=shutil.ignore_patterns("manifest.json", "README.md"))
    return dest


def test_the_repository_configuration_loads():
    pub = publisher.load()
    assert pub.source == paths.ROOT / "datasets" / "publisher.yaml"
    assert pub.names == {"ca": "Consorci Localret", "es": "Consorci Localret", "en": "Consorci Localret"}
    assert pub.url == "https://www.localret.cat/" and pub.contact_url == "https://www.localret.cat/"
    assert pub.uri == f"http://datos.gob.es/recurso/sector-publico/org/Organismo/{pub.dir3}"
    assert publisher.Publisher.from_dict(pub.as_dict()) == pub
    # until Localret's code is set, it is a placeholder that no DIR3 code can be mistaken for
    assert pub.code_is_set or pub.dir3 == "L0PLACEHOLDER"


def test_a_configured_code_and_contact(tmp_path):
    pub = publisher.load(configured_project(tmp_path))
    assert pub.dir3 == TEST_DIR3 and pub.code_is_set and pub.contact_email == TEST_CONTACT_EMAIL
    publisher.require_code(pub, illustrative=False)  # real data may be published under it


@pytest.mark.parametrize("dir3", [None, "", "L0PLACEHOLDER", "l01080193", "L0108019", "L010801930", "L0108019-"])
def test_real_data_need_a_real_code(tmp_path, dir3):
    pub = publisher.load(configured_project(tmp_path, dir3=dir3))
    assert not pub.code_is_set
    publisher.require_code(pub, illustrative=True)  # the illustrative sample may go without it
    with pytest.raises(PublisherConfigError) as err:
        publisher.require_code(pub, illustrative=False)
    assert err.value.exit_code == 4
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'datasets' / 'publisher.yaml'}, clau/key 'dir3': ")
    assert "DIR3" in message and "illustrative" in message


BROKEN = {
    "missing": (None, None),
    "not-yaml": ("dir3: [L01080193\n", None),
    "not-a-mapping": ("- L01080193\n", None),
    "no-name": ("dir3: L01080193\nurl: https://www.localret.cat/\ncontact: {url: https://www.localret.cat/}\n", "name.ca"),
    "bad-url": ("dir3: L01080193\nname: Consorci Localret\nurl: www.localret.cat\ncontact: {url: https://www.localret.cat/}\n",
                "url"),
    "no-contact": ("dir3: L01080193\nname: Consorci Localret\nurl: https://www.localret.cat/\n", "contact"),
    "personal-mailbox": ("dir3: L01080193\nname: Consorci Localret\nurl: https://www.localret.cat/\n"
                         "contact: {email: maria.puig@gmail.com}\n", "contact.email"),
    "not-an-address": ("dir3: L01080193\nname: Consorci Localret\nurl: https://www.localret.cat/\n"
                       "contact: {email: dades at localret}\n", "contact.email"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_configuration_is_named(tmp_path, case):
    text, key = BROKEN[case]
    config = tmp_path / "datasets" / "publisher.yaml"
    config.parent.mkdir(parents=True)
    if text is not None:
        config.write_text(text, encoding="utf-8")
    with pytest.raises(PublisherConfigError) as err:
        publisher.load(tmp_path)
    assert err.value.exit_code == 4
    assert str(err.value).startswith(str(config)), err.value
    if key:
        assert f"clau/key '{key}'" in str(err.value)
    assert "maria.puig" not in str(err.value)  # an address that may be a person's is never repeated


def test_the_pipeline_refuses_real_data_under_the_placeholder(tmp_path):
    """Stopped once the sources are validated, before anything is written to <out>."""
    project = configured_project(tmp_path / "project", dir3="L0PLACEHOLDER")
    out, state = tmp_path / "out", tmp_path / "state"
    with pytest.raises(PublisherConfigError, match="clau/key 'dir3'"):
        pipeline.publish(pipeline.Options(real_sources(tmp_path / "src"), out, state, AS_OF, project=project))
    assert not (out / "index.html").exists() and not list(out.glob("*/versions.json"))


def test_the_command_exits_4_naming_the_file_and_the_key(tmp_path):
    """The repository's own configuration, as an operator's run reads it."""
    src, out, state = real_sources(tmp_path / "src"), tmp_path / "out", tmp_path / "state"
    proc = subprocess.run([str(BIN), "publish", "--sources", str(src), "--out", str(out), "--state", str(state),
                           "--as-of", AS_OF.isoformat(), "--no-prefect"], capture_output=True, text=True, timeout=300)
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text
    if publisher.load().code_is_set:  # once Localret's code is set, real data publish
        assert proc.returncode == 0, text
        return
    assert proc.returncode == 4, text
    assert f"{paths.ROOT / 'datasets' / 'publisher.yaml'}, clau/key 'dir3'" in proc.stderr
    assert "L0PLACEHOLDER" in proc.stderr
    assert not (out / "index.html").exists() and not list(out.glob("*/versions.json"))


def test_setting_the_code_is_a_patch_release_and_reaches_the_catalogue(tmp_path):
    """The illustrative sample publishes under the placeholder; once the code is set in the
    one file, the next run makes a PATCH release (its datapackage names the publisher) and the
    catalogue and pages follow."""
    project = configured_project(tmp_path / "project", dir3="L0PLACEHOLDER", email=None)
    out, state = tmp_path / "out", tmp_path / "state"

    def publish():
        return pipeline.publish(pipeline.Options(paths.SAMPLE_SOURCES, out, state, AS_OF, project=project, only=["convenis"]))

    assert [r.version for r in publish().published] == ["1.0.0"]
    catalogue = (out / "catalog.rdf").read_text(encoding="utf-8")
    assert "/Organismo/L0PLACEHOLDER" in catalogue and "mailto:" not in catalogue
    configured_project(tmp_path / "configured")
    shutil.copyfile(tmp_path / "configured" / "datasets" / "publisher.yaml", project / "datasets" / "publisher.yaml")
    again = publish()
    assert [(r.version, r.bump) for r in again.published] == [("1.0.1", "patch")]
    catalogue = (out / "catalog.rdf").read_text(encoding="utf-8")
    assert "/Organismo/L0PLACEHOLDER" not in catalogue
    assert f'<dct:publisher rdf:resource="http://datos.gob.es/recurso/sector-publico/org/Organismo/{TEST_DIR3}"/>' in catalogue
    assert f'<vcard:hasEmail rdf:resource="mailto:{TEST_CONTACT_EMAIL}"/>' in catalogue
    assert publish().up_to_date == again.run_id  # and then nothing to do
