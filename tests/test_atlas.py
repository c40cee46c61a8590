"""Atlases: offline built-ins, label images, fsaverage annotations, specs."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from nibabel.affines import apply_affine

from s2decode.atlas import Atlas, atlas_from_label_image, atlas_spec, load_atlas, read_lut
from s2decode.atlas.atlases import _nilearn_data_file, _spec_dirs, sha256sum

from .conftest import require

SCHAEFER = ("atlases", "schaefer2018_100_7net")
SCHAEFER_FILE = "Schaefer2018_100Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"
DESIKAN = ("atlases", "desikan_fsaverage")


@pytest.fixture
def no_network(monkeypatch):
    """Fail any attempt to open a network connection."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def brain_mask():
    from nilearn.datasets import load_mni152_brain_mask

    img = load_mni152_brain_mask(resolution=2)
    return np.asarray(img.dataobj) > 0, img.affine


def _inside(mask_affine, coords):
    mask, affine = mask_affine
    ijk = np.rint(apply_affine(np.linalg.inv(affine), coords)).astype(int)
    assert np.all(ijk >= 0) and np.all(ijk < mask.shape), "coordinates off the MNI grid"
    return mask[tuple(ijk.T)]


# --------------------------------------------------------------------------------------
# Offline built-ins


def test_seitzman300_offline(no_network, brain_mask):
    atlas = load_atlas("seitzman300")
    assert atlas.n_parcels == 300 == len(atlas)
    assert atlas.coords.shape == (300, 3)
    assert len(set(atlas.labels)) == 300
    assert atlas.networks is not None and len(atlas.networks) == 300
    assert {"DefaultMode", "Visual", "FrontoParietal", "SomatomotorDorsal"} <= set(atlas.networks)
    # Labels are "<network>_<ROI number>" and the ROI numbers are 1..300.
    for label, net in zip(atlas.labels, atlas.networks, strict=True):
        assert label.rsplit("_", 1)[0] == net
    assert sorted(int(s.rsplit("_", 1)[1]) for s in atlas.labels) == list(range(1, 301))
    assert set(atlas.meta["radii"]) == {4.0, 5.0}
    assert atlas.radius == 5.0
    assert atlas.image is None
    assert _inside(brain_mask, atlas.coords).all()
    assert atlas.meta["doi"] == "10.1016/j.neuroimage.2019.116290"


def test_seitzman300_is_default():
    default = load_atlas()
    assert default.name == "seitzman300"
    np.testing.assert_array_equal(default.coords, load_atlas("SEITZMAN300").coords)


def test_power264_offline(no_network, brain_mask):
    atlas = load_atlas("power264")
    assert atlas.n_parcels == 264
    assert atlas.networks is None
    assert atlas.radius == 5.0
    assert atlas.labels[0] == "Power_001" and atlas.labels[-1] == "Power_264"
    assert _inside(brain_mask, atlas.coords).all()


def test_dosenbach160_offline(no_network):
    atlas = load_atlas("dosenbach160")
    assert atlas.n_parcels == 160
    assert len(set(atlas.networks)) == 6
    assert not any(" " in s for s in atlas.labels)


@pytest.mark.parametrize("name", ["seitzman300", "power264", "dosenbach160"])
def test_builtin_files_match_spec_checksums(name):
    """The nilearn package files are the ones the spec describes."""
    spec = atlas_spec(name)
    assert spec["n_parcels"] == load_atlas(name).n_parcels
    for entry in spec["files"]:
        path = _nilearn_data_file(Path(entry["path"]).name)
        assert sha256sum(path) == entry["sha256"], f"{path} differs from the spec of {name}"


def test_specs_are_complete():
    names = sorted({p.stem for d in _spec_dirs() for p in d.glob("*.yaml")})
    assert {"seitzman300", "power264", "dosenbach160", "schaefer2018"} <= set(names)
    required = {"name", "description", "space", "source", "citation", "licence", "n_parcels"}
    for name in names:
        spec = atlas_spec(name)
        assert required <= set(spec), f"spec {name} lacks {required - set(spec)}"
        assert spec["name"] == name
        assert isinstance(spec["networks"], bool)
        for entry in spec.get("files") or []:
            assert len(entry["sha256"]) == 64


def test_unknown_spec():
    with pytest.raises(ValueError, match="No atlas spec named 'nope'"):
        atlas_spec("nope")
    assert atlas_spec("nope", missing_ok=True) == {}


# --------------------------------------------------------------------------------------
# Errors of load_atlas


def test_load_atlas_errors(tmp_path):
    with pytest.raises(ValueError, match="Unknown atlas 'nope'"):
        load_atlas("nope")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_atlas(tmp_path / "missing.nii.gz")
    with pytest.raises(ValueError, match="atlas files only"):
        load_atlas("seitzman300", labels=["a"])
    with pytest.raises(TypeError, match="name_or_path"):
        load_atlas(300)
    with pytest.raises(ValueError, match="100, 200"):
        load_atlas("schaefer150")  # checked before any download


def test_load_atlas_passes_atlas_through():
    atlas = Atlas("tiny", ["a", "b"], np.zeros((2, 3)))
    assert load_atlas(atlas) is atlas


def test_atlas_validation():
    with pytest.raises(ValueError, match="unique"):
        Atlas("dup", ["a", "a"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        Atlas("bad", ["a", "b"], np.zeros((3, 3)))
    with pytest.raises(ValueError, match="networks"):
        Atlas("bad", ["a", "b"], np.zeros((2, 3)), networks=["x"])


# --------------------------------------------------------------------------------------
# Label images


def _block_image(tmp_path=None):
    """A 10x8x6 volume at 2 mm with labels 3 and 7 in known boxes."""
    data = np.zeros((10, 8, 6), dtype=np.int16)
    data[1:3, 1:4, 1:2] = 3  # voxel centre of mass (1.5, 2, 1)
    data[6:9, 5:7, 2:5] = 7  # (7, 5.5, 3)
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = [-10.0, -8.0, -6.0]
    img = nib.Nifti1Image(data, affine)
    expected = apply_affine(affine, [[1.5, 2.0, 1.0], [7.0, 5.5, 3.0]])
    if tmp_path is not None:
        path = tmp_path / "blocks.nii.gz"
        img.to_filename(path)
        return path, expected
    return img, expected


def test_label_image_centroids(tmp_path):
    path, expected = _block_image(tmp_path)
    atlas = load_atlas(path)
    assert atlas.name == "blocks"
    assert atlas.labels == ["parcel_3", "parcel_7"]
    np.testing.assert_array_equal(atlas.label_values, [3, 7])
    np.testing.assert_allclose(atlas.coords, expected)
    assert atlas.meta["n_voxels"] == [6, 18]
    assert atlas.meta["sha256"] == sha256sum(path)
    assert atlas.networks is None
    assert atlas.image is not None


def test_label_image_names(tmp_path):
    img, _ = _block_image()
    lut = tmp_path / "lut.txt"
    lut.write_text(
        "# value name r g b a\n0 Background 0 0 0 0\n"
        "3\t7Networks_LH_Vis_1\t1 2 3 0\n7\t7Networks_RH_Default_PFC_1\t4 5 6 0\n"
    )
    assert read_lut(lut) == {3: "7Networks_LH_Vis_1", 7: "7Networks_RH_Default_PFC_1"}
    atlas = atlas_from_label_image(img, labels=lut)
    assert atlas.labels == ["7Networks_LH_Vis_1", "7Networks_RH_Default_PFC_1"]
    assert atlas.networks == ["Vis", "Default"]  # derived from Schaefer-style names

    atlas = atlas_from_label_image(img, labels={7: "b", 3: "a", 9: "unused"}, networks=["n", "m"])
    assert atlas.labels == ["a", "b"] and atlas.networks == ["n", "m"]
    tsv = tmp_path / "lut.tsv"
    tsv.write_text("index\tname\n3\tleft\n7\tright\n")
    assert atlas_from_label_image(img, labels=tsv).labels == ["left", "right"]


def test_label_image_errors(tmp_path):
    img, _ = _block_image()
    with pytest.raises(ValueError, match="2 parcels"):
        atlas_from_label_image(img, labels=["only_one"])
    with pytest.raises(ValueError, match=r"no name for the values \[7\]"):
        atlas_from_label_image(img, labels={3: "a"})
    with pytest.raises(ValueError, match="networks"):
        atlas_from_label_image(img, networks=["x"])
    floats = nib.Nifti1Image(np.full((3, 3, 3), 0.5, dtype=np.float32), np.eye(4))
    with pytest.raises(ValueError, match="non-integer"):
        atlas_from_label_image(floats)
    empty = nib.Nifti1Image(np.zeros((3, 3, 3), dtype=np.int16), np.eye(4))
    with pytest.raises(ValueError, match="no non-zero label"):
        atlas_from_label_image(empty)
    bad_lut = tmp_path / "bad.txt"
    bad_lut.write_text("no labels here\n")
    with pytest.raises(ValueError, match="No 'value name' entries"):
        atlas_from_label_image(img, labels=bad_lut)


def test_label_maps_4d():
    maps = np.zeros((5, 5, 5, 2), dtype=np.float32)
    maps[1, 1, 1, 0] = 1.0
    maps[3, 1, 1, 0] = 3.0  # weighted centroid at i = 2.5
    maps[4, 4, 4, 1] = 0.5
    atlas = atlas_from_label_image(nib.Nifti1Image(maps, np.eye(4)), labels=["a", "b"])
    np.testing.assert_allclose(atlas.coords, [[2.5, 1, 1], [4, 4, 4]])
    assert atlas.label_values is None


@pytest.mark.realdata
def test_schaefer100_image(data_dir, brain_mask):
    path = require(data_dir, *SCHAEFER, SCHAEFER_FILE)
    atlas = load_atlas(path)
    assert atlas.n_parcels == 100
    np.testing.assert_array_equal(atlas.label_values, np.arange(1, 101))
    assert _inside(brain_mask, atlas.coords).all()
    # Schaefer's order: parcels 1-50 in the left hemisphere, 51-100 in the right.
    assert np.all(atlas.coords[:50, 0] < 0) and np.all(atlas.coords[50:, 0] > 0)
    assert atlas.meta["checksum_ok"] is True
    assert atlas.meta["citation"].startswith("Schaefer A")


@pytest.mark.realdata
def test_schaefer100_networks_from_label_table(data_dir, tmp_path):
    """A CBIG label table next to the image gives names and networks."""
    src = require(data_dir, *SCHAEFER, SCHAEFER_FILE)
    image = tmp_path / SCHAEFER_FILE
    shutil.copy(src, image)
    nets = ["Vis", "SomMot", "DorsAttn", "SalVentAttn", "Limbic", "Cont", "Default"]
    lines = [f"{v}\t7Networks_LH_{nets[(v - 1) % 7]}_{v}\t0 0 0 0" for v in range(1, 101)]
    (tmp_path / "Schaefer2018_100Parcels_7Networks_order.txt").write_text("\n".join(lines))
    atlas = load_atlas(image)
    assert atlas.labels[0] == "7Networks_LH_Vis_1"
    assert atlas.networks[:3] == ["Vis", "SomMot", "DorsAttn"]


# --------------------------------------------------------------------------------------
# fsaverage annotations


@pytest.mark.realdata
def test_desikan_annot(data_dir, brain_mask, no_network):
    lh = require(data_dir, *DESIKAN, "lh.aparc.annot")
    atlas = load_atlas(lh)
    assert atlas.n_parcels == 68
    assert "precentral-lh" in atlas.labels and "precentral-rh" in atlas.labels
    assert not any(s.startswith(("unknown", "corpuscallosum")) for s in atlas.labels)
    hemi = np.array([s.endswith("-lh") for s in atlas.labels])
    assert np.all(atlas.coords[hemi, 0] < 0) and np.all(atlas.coords[~hemi, 0] > 0)
    assert _inside(brain_mask, atlas.coords).all()
    assert "MNI305" in atlas.meta["space"]
    assert atlas.meta["checksum_ok"] is True
    # The rh file gives the same atlas.
    rh = load_atlas(lh.with_name("rh.aparc.annot"))
    assert rh.labels == atlas.labels


@pytest.mark.realdata
def test_annot_single_hemisphere(data_dir, tmp_path):
    from s2decode.atlas import atlas_from_annot

    lh = require(data_dir, *DESIKAN, "lh.aparc.annot")
    shutil.copy(lh, tmp_path / lh.name)
    with pytest.raises(FileNotFoundError, match=r"rh\.aparc\.annot"):
        load_atlas(tmp_path / lh.name)
    atlas = atlas_from_annot(tmp_path / lh.name, both_hemispheres=False)
    assert atlas.n_parcels == 34
    assert all(s.endswith("-lh") for s in atlas.labels)


def test_annot_bad_name(tmp_path):
    from s2decode.atlas import atlas_from_annot

    bad = tmp_path / "aparc.annot"
    bad.write_bytes(b"")
    with pytest.raises(ValueError, match=r"lh\.<name>\.annot"):
        atlas_from_annot(bad)
