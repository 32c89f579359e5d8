"""The publisher's identity, from one configuration file: <project>/datasets/publisher.yaml.

Its DIR3 code names the publisher in the DCAT-AP-ES catalogue (an Organismo IRI of
datos.gob.es), its name and address go into the schema.org metadata of the pages, and its
contact point (the organisation's contact page and, optionally, a generic mailbox; never a
person) into dcat:contactPoint. build.load_specs puts it in every dataset's declaration, so
each release's datapackage.json carries it and the catalogue and pages read it from <out>,
like everything else they show.

A run over sources that are not an illustrative sample refuses to publish while the code is
missing or a placeholder (exit 4, naming the file and the key): datos.gob.es rejects a
catalogue whose publisher it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from localret import paths, personal
from localret.errors import LocalretError
from localret.personal import ALLOWED_EMAIL_DOMAINS

CONFIG = Path("datasets") / "publisher.yaml"
# DCAT-AP-ES convention 01 (the vocabularies shape checks this very pattern).
DIR3_PATTERN = re.compile(r"[A-Z][A-Z0-9]{8}")
ORGANISMO = "http://datos.gob.es/recurso/sector-publico/org/Organismo/"
LANGS = ("ca", "es", "en")
_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%/-]*)?")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


class PublisherConfigError(LocalretError):
    """publisher.yaml is missing, broken, or (for real data) still holds the placeholder code."""

    exit_code = 4


@dataclass(frozen=True)
class Publisher:
    dir3: str | None
    names: dict[str, str]
    url: str
    contact_url: str | None = None
    contact_email: str | None = None
    source: Path | None = field(default=None, compare=False)

    @property
    def code_is_set(self) -> bool:
        return bool(self.dir3) and DIR3_PATTERN.fullmatch(self.dir3) is not None

    @property
    def uri(self) -> str:
        return ORGANISMO + (self.dir3 or "")

    def name(self, lang: str = "ca") -> str:
        return self.names.get(lang) or self.names["ca"]

    def as_dict(self) -> dict:
        """What a release's datapackage.json records (localret:publisher)."""
        return {"dir3": self.dir3, "name": dict(self.names), "url": self.url,
                "contact": {"url": self.contact_url, "email": self.contact_email}}

    @classmethod
    def from_dict(cls, data: dict) -> "Publisher":
        contact = data.get("contact") or {}
        return cls(data.get("dir3"), dict(data["name"]), data["url"], contact.get("url"), contact.get("email"))


def config_path(project: Path = paths.ROOT) -> Path:
    return Path(project) / CONFIG


def _fail(path: Path, key: str, ca: str, en: str) -> PublisherConfigError:
    return PublisherConfigError(f"{path}, clau/key '{key}': {ca} / {en}")


# libyaml's parser when the wheel has it: the same documents, ten times faster than PyYAML's
# own (every run reads the publisher and each dataset's declaration several times).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str):
    """A YAML document of the project's own (safe types only)."""
    return yaml.load(text, Loader=_YAML_LOADER)


def load(project: Path = paths.ROOT) -> Publisher:
    """The publisher of <project>; an error naming the file and the key when it is unusable."""
    path = config_path(project)
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublisherConfigError(f"{path}: no existeix; hi va la identitat de l'editor (dir3, name, url, contact) / "
                                   "does not exist; it holds the publisher's identity (dir3, name, url, contact)") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PublisherConfigError(f"{path}: no es pot llegir / cannot be read: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(data, dict):
        raise PublisherConfigError(f"{path}: ha de ser un mapa de claus / must be a mapping of keys")
    dir3 = data.get("dir3")
    dir3 = str(dir3).strip() if dir3 is not None else None
    names = data.get("name")
    if isinstance(names, str):
        names = {"ca": names}
    if not isinstance(names, dict) or not str(names.get("ca") or "").strip():
        raise _fail(path, "name.ca", "cal el nom de l'editor en català", "the publisher's name in Catalan is required")
    names = {lang: " ".join(str(names.get(lang) or names["ca"]).split()) for lang in LANGS}
    url = _url(path, "url", data.get("url"), required=True)
    contact = data.get("contact") or {}
    if not isinstance(contact, dict):
        raise _fail(path, "contact", "ha de tenir url i/o email", "must have a url and/or an email")
    contact_url = _url(path, "contact.url", contact.get("url"), required=False)
    email = contact.get("email")
    email = str(email).strip() if email else None
    if email:
        if not _EMAIL.fullmatch(email):
            raise _fail(path, "contact.email", "no és una adreça electrònica", "is not an e-mail address")
        if personal.detect(email):  # what the privacy guard would stop: any domain but the organisation's own
            allowed = ", ".join(ALLOWED_EMAIL_DOMAINS)
            raise _fail(path, "contact.email", f"ha de ser una bústia genèrica de l'organització ({allowed})",
                        f"must be a generic mailbox of the organisation ({allowed}), never a person's address")
    if not contact_url and not email:
        raise _fail(path, "contact", "cal contact.url o contact.email de l'organització",
                    "contact.url or contact.email of the organisation is required")
    return Publisher(dir3 or None, names, url, contact_url, email, source=path)


def _url(path: Path, key: str, value, *, required: bool) -> str | None:
    if value is None or str(value).strip() == "":
        if required:
            raise _fail(path, key, "cal una adreça http(s)", "an http(s) address is required")
        return None
    value = str(value).strip()
    if not _URL.fullmatch(value):
        raise _fail(path, key, f"'{value}' no és una adreça http(s) absoluta", f"'{value}' is not an absolute http(s) address")
    return value


def require_code(publisher: Publisher, illustrative: bool) -> None:
    """Real data are published only under the publisher's real DIR3 code."""
    if illustrative or publisher.code_is_set:
        return
    shown = f"'{publisher.dir3}'" if publisher.dir3 else "buit / empty"
    raise _fail(publisher.source or CONFIG, "dir3",
                f"el codi DIR3 de l'editor falta o és un marcador ({shown}); poseu-hi el codi DIR3 del Consorci "
                "(una lletra majúscula i vuit majúscules o xifres). Només una mostra il·lustrativa es pot publicar sense",
                f"the publisher's DIR3 code is missing or a placeholder ({shown}); set Consorci Localret's DIR3 code "
                "(one capital letter and eight capitals or digits). Only an illustrative sample may be published without it")
