"""What every dataset module shares: finding its folder, downloading with checksums, the
docstring entries of the parameters their functions have in common (:data:`fill_doc`), and
joining the epochs of several EEG recordings (:func:`concatenate_epochs`)."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .._docs import doc_filler
from ..errors import DataFileError, DatasetNotFoundError
from ..paths import DATA_ENV, get_data_dir

#: Decorator of the dataset modules' functions (:mod:`s2decode._docs`): the Parameters entries
#: they share, written once. ``%(data_dir)s`` ends without a full stop, so that a loader can
#: go on to say where its files are.
fill_doc = doc_filler(
    {
        "data_dir": """
            data_dir : path-like | None
                Data directory (``None``: ``S2DECODE_DATA``)
            """,
        "projector": """
            projector : SourceProjector | SensorDistanceProjector | None
                A projector fitted before on the same montage (e.g. for another subject), reused
                instead of fitting a new one; overrides ``method`` and ``atlas``.
            """,
        "verbose": """
            verbose : bool | str | None
                MNE's verbosity.
            """,
    }
)


class DownloadError(ConnectionError):
    """A dataset's public source could not be reached, or sent a file that fails its checksum.

    The message says where the files would go and how to place them there by hand.
    """


def dataset_path(
    name: str, folder: str, data_dir: str | os.PathLike | None = None, must_have: str = ""
) -> Path:
    """The folder of dataset ``name`` inside the data directory, checked to exist.

    Parameters
    ----------
    name : str
        Public name of the dataset (as given to :func:`s2decode.datasets.load`).
    folder : str
        Its folder relative to the data directory, e.g. ``"eeg/eegbci_S001"``.
    data_dir : path-like | None
        Data directory; ``None`` uses :func:`s2decode.get_data_dir`.
    must_have : str
        A file (relative to the folder) that must exist too.

    Returns
    -------
    path : pathlib.Path
        The dataset folder.

    Raises
    ------
    DatasetNotFoundError
        Where the folder (or ``must_have``) is missing, with the commands that fetch it.
    """
    root = get_data_dir(data_dir)
    path = root / folder
    target = path / must_have if must_have else path
    if not target.exists():
        raise DatasetNotFoundError(
            f"Dataset {name!r} not found: {target} does not exist. Point the data directory at "
            f"a folder that has it (data_dir=... or the {DATA_ENV} environment variable; now "
            f"{root}), or download it with `s2decode fetch {name}` "
            f"(s2decode.datasets.fetch({name!r}))."
        )
    return path


@contextmanager
def staged_download(name: str, target: Path, source: str) -> Iterator[Path]:
    """A temporary folder to download dataset ``name`` into, merged into ``target`` on success.

    The folder is made beside ``target`` (same file system): when the block ends without an
    error its files are renamed into ``target``, each in one step, keeping their relative
    paths. When the block fails, the folder is removed and ``target`` is as it was (not made,
    if it did not exist), so a failed download never leaves a dataset that looks present.

    Parameters
    ----------
    name : str
        Public name of the dataset (for the messages).
    target : pathlib.Path
        The dataset's folder in the data directory.
    source : str
        Where the files come from (a web page a person can open), for the messages.

    Yields
    ------
    stage : pathlib.Path
        The folder to download into.

    Raises
    ------
    DownloadError
        Where the source cannot be reached or a file fails its checksum.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.download-", dir=target.parent))
    try:
        try:
            yield stage
        except (OSError, ValueError) as err:  # requests' errors are OSErrors; bad sums ValueErrors
            if isinstance(err, ValueError) and "hash" not in str(err).lower():
                raise
            bad_sum = isinstance(err, ValueError)
            reason = "a file failed its checksum" if bad_sum else "cannot reach the source"
            raise DownloadError(
                f"Could not download {name!r}: {reason} ({_short_reason(err)}). Nothing was "
                f"changed in {target}. Try again when {source} can be reached, or download the "
                f"files from there by hand and place them in {target} (the layout "
                f"`s2decode datasets` and the dataset's docstring describe)."
            ) from err
        for src in sorted(stage.rglob("*")):
            if src.is_file():
                dest = target / src.relative_to(stage)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@dataclass(frozen=True)
class OneFile:
    """A dataset that is one file at a public address, checked by its sha256.

    Its :meth:`present` and :meth:`fetch` serve as the dataset module's own
    (``present = _FILE.present``).

    Attributes
    ----------
    name : str
        Public name of the dataset.
    folder : str
        Its folder relative to the data directory.
    fname : str
        The file's name in that folder.
    url : str
        Public address of the file.
    sha256 : str
        Its sha256 checksum (hex).
    """

    name: str
    folder: str
    fname: str
    url: str
    sha256: str

    def present(self, data_dir: str | os.PathLike | None = None) -> bool:
        """Whether the data directory holds the file :func:`load` reads."""
        return (get_data_dir(data_dir) / self.folder / self.fname).is_file()

    def fetch(self, data_dir: str | os.PathLike | None = None) -> Path:
        """Download the dataset's file from its public source, checking its sha256.

        Parameters
        ----------
        data_dir : path-like | None
            Data directory; ``None`` uses :func:`s2decode.get_data_dir`.

        Returns
        -------
        path : pathlib.Path
            The dataset folder ``<data_dir>/<folder>``.
        """
        folder = get_data_dir(data_dir) / self.folder
        with staged_download(self.name, folder, self.url) as stage:
            download(self.url, f"sha256:{self.sha256}", stage, fname=self.fname, present_in=folder)
        return folder


def _short_reason(err: BaseException) -> str:
    """The gist of a download error: the host that could not be reached, or the message."""
    from urllib.parse import urlsplit

    request = getattr(err, "request", None)  # requests' errors carry the request they failed
    host = urlsplit(getattr(request, "url", "") or "").hostname
    if host:
        return f"{type(err).__name__} connecting to {host}"
    text = str(err).strip().splitlines()[-1] if str(err).strip() else ""
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def download(
    url: str,
    known_hash: str | None,
    dest_dir: Path,
    fname: str | None = None,
    *,
    present_in: Path | None = None,
) -> Path:
    """Download one file with pooch, verifying its checksum.

    Parameters
    ----------
    url : str
        Public address of the file.
    known_hash : str | None
        ``"sha256:..."`` or ``"md5:..."``; ``None`` only where the source publishes none.
    dest_dir : pathlib.Path
        Folder to put the file in (created); in a :func:`staged_download`, a folder inside
        its stage.
    fname : str | None
        File name; defaults to the last part of the URL.
    present_in : pathlib.Path | None
        A folder where a copy of the file with the right checksum counts as downloaded (the
        dataset's own folder, during a staged download): that copy is returned instead.

    Returns
    -------
    path : pathlib.Path
        The downloaded (or already present and verified) file.
    """
    import pooch

    fname = fname or url.rstrip("/").rsplit("/", 1)[-1]
    if present_in is not None and known_hash is not None:
        have = present_in / fname
        alg, _, digest = known_hash.rpartition(":")
        if have.is_file() and pooch.file_hash(str(have), alg=alg or "sha256") == digest.lower():
            return have
    dest_dir.mkdir(parents=True, exist_ok=True)
    return Path(
        pooch.retrieve(url, known_hash=known_hash, fname=fname, path=dest_dir, progressbar=True)
    )


def read_mat_file(fname: Path, variables: Sequence[str], dataset: str) -> dict:
    """The variables of a dataset's MATLAB file, read with pymatreader.

    Parameters
    ----------
    fname : pathlib.Path
        The file.
    variables : sequence of str
        The variables it must hold.
    dataset : str
        The dataset's name, for the fix (``s2decode fetch <dataset>``).

    Returns
    -------
    mat : dict
        Every variable of the file by name.

    Raises
    ------
    s2decode.errors.DataFileError
        Where the file cannot be read as a MATLAB file (truncated, say).
    ValueError
        Where it lacks one of ``variables``.
    """
    from pymatreader import read_mat

    try:
        mat = read_mat(str(fname))
    except Exception as err:
        raise DataFileError(
            f"Could not read {fname} as a MATLAB file: {err}. Is it complete? Delete it and "
            f"download it again with `s2decode fetch {dataset}`."
        ) from None
    missing = set(variables) - set(mat)
    if missing:
        raise ValueError(
            f"{fname} lacks the variables {sorted(missing)} of {fname.name} "
            f"({', '.join(variables)})."
        )
    return mat


def recode_events(epochs, codes: Mapping[str, int]) -> None:
    """Give each class of ``epochs`` its code in ``codes``, in place.

    Recordings number their events each their own way; recoded, the classes keep one code
    across the recordings that :func:`concatenate_epochs` joins.

    Parameters
    ----------
    epochs : mne.Epochs
        Preloaded epochs; every name of their ``event_id`` is a key of ``codes``.
    codes : mapping of str to int
        The event code of each class name.
    """
    recode = {code: codes[name] for name, code in epochs.event_id.items()}
    epochs.events[:, 2] = [recode[code] for code in epochs.events[:, 2]]
    epochs.event_id = {name: codes[name] for name in epochs.event_id}


def concatenate_epochs(parts: list, *, on_mismatch: str = "raise", verbose=False):
    """The epochs of several recordings (runs, subjects) as one ``mne.Epochs``.

    Parameters
    ----------
    parts : list of mne.Epochs
        Preloaded epochs, at least one.
    on_mismatch : {"raise", "warn", "ignore"}
        What :func:`mne.concatenate_epochs` does where their infos differ (``"ignore"``:
        the first one's info, its sensor positions, stands for all).
    verbose : bool | str | None
        MNE's verbosity.

    Returns
    -------
    epochs : mne.Epochs
        ``parts[0]`` itself where there is one; else their concatenation, event samples
        offset so that the recordings do not overlap.
    """
    if len(parts) == 1:
        return parts[0]
    import mne

    with warnings.catch_warnings():
        # the recordings' annotations are not needed once they are epochs
        warnings.filterwarnings("ignore", "Concatenation of Annotations", RuntimeWarning)
        return mne.concatenate_epochs(
            parts, add_offset=True, on_mismatch=on_mismatch, verbose=verbose
        )
