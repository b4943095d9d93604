"""Real postcodes for homes and placements, chosen so that distances come out realistic.

A child's home postcode is a real postcode of the authority. A placement postcode is found by
drawing a distance from home (its distribution depends on the kind of placement: in-house foster
carers live locally, children's homes are further away), a random direction, and taking the real
postcode nearest that point: inside the authority for its own foster carers, anywhere in the pool
otherwise. Distance, ``PL_LA`` and in/out of area then follow from the ONS grid references with
DfE's formula, exactly as they would for real data.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from cpanalysis import geography
from cpanalysis.synth import params

#: Placement pool: postcodes of the districts whose centre lies within this many miles of the
#: authority's centre. Few postcode letters load quickly; distances beyond about 50 miles are
#: rare in the synthetic data (a real authority has a few placements further away, such as
#: secure units).
POOL_RADIUS_MILES = 45.0
METRES_PER_MILE = geography.DFE_KM_PER_MILE * 1000


@dataclass
class PostcodePool:
    """Postcodes (with grid references and upper-tier LA) and a nearest-neighbour index."""

    postcode: np.ndarray
    easting: np.ndarray
    northing: np.ndarray
    la_code: np.ndarray
    tree: cKDTree

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> PostcodePool:
        """Index a frame with ``postcode, easting, northing, la_code`` columns."""
        east = frame["easting"].to_numpy(dtype="float64")
        north = frame["northing"].to_numpy(dtype="float64")
        return cls(
            postcode=frame["postcode"].to_numpy(dtype="object"),
            easting=east,
            northing=north,
            la_code=frame["la_code"].to_numpy(dtype="object"),
            tree=cKDTree(np.column_stack([east, north])),
        )

    def __len__(self) -> int:
        return len(self.postcode)


class Places:
    """Home and placement postcodes for one authority.

    Parameters
    ----------
    la_code : str
        The responsible authority (ONS upper-tier code).
    wide : PostcodePool, optional
        A pool shared by several authorities (the ``--authorities`` mode); built around this
        authority when omitted.
    local_index : numpy.ndarray, optional
        Positions in ``wide`` of the authority's own postcodes (saves a scan of the pool).
    """

    def __init__(self, la_code: str, wide: PostcodePool | None = None, local_index: np.ndarray | None = None) -> None:
        self.la_code = la_code
        if wide is not None and local_index is not None:
            local = np.zeros(len(wide), dtype=bool)
            local[local_index] = True
        elif wide is None:
            centroid = geography.la_centroids().set_index("la_code").loc[la_code]
            wide = PostcodePool.from_frame(
                geography.postcodes_near(
                    centroid["easting"], centroid["northing"], POOL_RADIUS_MILES, margin_miles=0.0
                )
            )
            local = wide.la_code == la_code
        else:
            local = wide.la_code == la_code
        self.wide = wide
        # sorted by postcode already (postcodes_near sorts), so positions are reproducible
        self.local_index = np.flatnonzero(local)
        self.local_tree = cKDTree(np.column_stack([wide.easting[local], wide.northing[local]]))
        self.centroid = (float(wide.easting[local].mean()), float(wide.northing[local].mean()))

    @property
    def n_local(self) -> int:
        """Number of postcodes inside the authority."""
        return len(self.local_index)

    def home(self, rng: np.random.Generator) -> int:
        """Pool position of a random home postcode inside the authority."""
        return int(self.local_index[rng.integers(self.n_local)])

    def placement(
        self,
        rng: np.random.Generator,
        home: int | None,
        kind: str,
        far_factor: float = 1.0,
        own_provision: bool = False,
    ) -> int:
        """Pool position of a placement postcode for a placement of ``kind`` (see ``params.DISTANCE``).

        ``home`` is the home postcode's pool position (``None`` for UASC: placed from the
        authority's centre). Never returns the home postcode itself (rule 392d).
        ``own_provision``: the authority's own children's home or accommodation, which is inside
        its area (DfE rule 1015).
        """
        near_share, near_median, far_median, far_spread = params.DISTANCE[kind]
        if rng.random() < near_share:
            miles = near_median * float(np.exp(0.7 * rng.standard_normal()))
        else:
            miles = far_median * far_factor * float(np.exp(far_spread * rng.standard_normal()))
        angle = rng.random() * 2 * np.pi
        if home is None:
            x0, y0 = self.centroid
        else:
            x0, y0 = self.wide.easting[home], self.wide.northing[home]
        target = (
            x0 + miles * METRES_PER_MILE * np.cos(angle),
            y0 + miles * METRES_PER_MILE * np.sin(angle),
        )
        inside = own_provision or (kind == "in_house_foster" and rng.random() < 0.9)
        if inside:
            _, found = self.local_tree.query(target, k=2)
            chosen = [int(self.local_index[i]) for i in found]
        else:
            _, found = self.wide.tree.query(target, k=2)
            chosen = [int(i) for i in found]
        return chosen[1] if chosen[0] == home else chosen[0]

    def near_home(self, rng: np.random.Generator, home: int) -> int:
        """A postcode within a mile or so of home (a relative's or parent's new address)."""
        target = (
            self.wide.easting[home] + rng.normal(0, 800),
            self.wide.northing[home] + rng.normal(0, 800),
        )
        _, found = self.wide.tree.query(target, k=2)
        return int(found[1] if found[0] == home else found[0])

    def postcode(self, position: int) -> str:
        """Postcode text at a pool position."""
        return str(self.wide.postcode[position])

    def in_england(self, position: int) -> bool:
        """Whether the postcode is in England (URNs are only expected for English placements)."""
        return str(self.wide.la_code[position]).startswith("E")


def urn_for(postcode: str, salt: str) -> str:
    """A stable Ofsted-style URN for a provider at ``postcode`` (``SC`` + 6 digits or 7 digits).

    The same postcode and salt always give the same URN, so a children's home keeps its URN
    across children and years (the number itself is synthetic).
    """
    value = zlib.crc32(f"{salt}|{postcode}".encode())
    if value % 3:
        return f"SC{value % 1_000_000:06d}"
    return f"{1_000_000 + value % 9_000_000:07d}"
