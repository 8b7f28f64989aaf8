"""The typology's regions in face space: which outcome a team's face profile falls in.

Geometry
--------
A face profile is a point ``x`` in (decision-making, non-decision-making, ideological) space. The
three prototypes ``p_T`` of the instrument file span a plane, the *typology plane*. For each type

    C_T = {p_T + d : d in the plane, d . (p_T - p_j) >= 0 for both other types j}

is the type's *extended region*: its prototype and every profile beyond it, away from the other
types (moving along such a ``d`` takes a profile further from every other prototype, since
``|p_T + d - p_j|^2 = |p_T - p_j|^2 + 2 d.(p_T - p_j) + |d|^2``). Inside the triangle of the
prototypes ``C_T`` is just ``p_T``; outside it, ``C_T`` is a wedge opening away from the triangle.

The *distance to a type* is the Euclidean distance from ``x`` to ``C_T``,
``sqrt(h^2 + e^2)``, where ``h`` is the distance of ``x`` from the typology plane and ``e`` the
in-plane distance from its projection to the wedge. The outcome is the type at the smallest
distance, or ``mixed`` when even that exceeds the instrument's ``max_distance``.

So a team more enhanced than the enhanced prototype, in the prototype's own direction, is
enhanced (its distance is 0); a profile whose pattern contradicts every type - far off the plane,
for example high decision-making power with the lowest ideological score, or high
non-decision-making power with middling decision-making and ideological scores - is mixed.
Inside the triangle the rule is the nearest prototype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instrument import FACES, TYPES, Instrument

#: Outcomes of the rule, in code order: the three types, then mixed.
OUTCOMES: tuple[str, ...] = (*TYPES, "mixed")
MIXED = len(TYPES)


@dataclass(frozen=True)
class Typology:
    """The regions of face space that the instrument's prototypes define.

    Build it with :meth:`from_instrument`. ``distances`` and ``outcome`` take any array whose last
    axis holds the three faces, in the order of :data:`copro_scale.instrument.FACES`.

    Examples
    --------
    >>> t = Typology.from_instrument()
    >>> [OUTCOMES[k] for k in t.outcome([[4.96, 4.99, 4.96], [1.01, 1.43, 1.10],
    ...                                  [3.2, 2.1, 3.2], [4.2, 2.0, 1.8]])]
    ['enhanced', 'tokenistic', 'neutralized', 'mixed']
    """

    prototypes: np.ndarray  # types x faces
    max_distance: float
    origin: np.ndarray  # a point of the plane (the prototypes' centroid)
    basis: np.ndarray  # faces x 2, orthonormal, spans the plane
    normal: np.ndarray  # unit normal of the plane
    vertex: np.ndarray  # types x 2: prototypes in plane coordinates
    limits: np.ndarray  # types x 2 x 2: the two inward normals a_j = p_T - p_j, unit, per type
    rays: np.ndarray  # types x 2 x 2: the two boundary rays of each wedge, unit

    @classmethod
    def from_instrument(cls, instrument: Instrument | None = None, *,
                        max_distance: float | None = None) -> Typology:
        """The regions of ``instrument`` (default: the packaged one)."""
        if instrument is None:
            from .instrument import load_instrument
            instrument = load_instrument()
        p = np.array([[instrument.prototypes[t][f] for f in FACES] for t in TYPES], dtype=float)
        d_max = instrument.max_distance if max_distance is None else float(max_distance)
        return cls.from_prototypes(p, d_max)

    @classmethod
    def from_prototypes(cls, prototypes, max_distance: float) -> Typology:
        """The regions of three prototypes (rows in :data:`TYPES` order, columns faces)."""
        p = np.asarray(prototypes, dtype=float)
        if p.shape != (len(TYPES), len(FACES)):
            raise ValueError(f"prototypes must be {len(TYPES)} x {len(FACES)}, not {p.shape}")
        if not max_distance > 0:
            raise ValueError("max_distance must be positive")
        origin = p.mean(axis=0)
        e1 = p[1] - p[0]
        e2 = p[2] - p[0]
        normal = np.cross(e1, e2)
        if np.linalg.norm(normal) < 1e-6 * np.linalg.norm(e1) * np.linalg.norm(e2):
            raise ValueError("the prototypes lie on one line: they do not span a typology plane")
        normal = normal / np.linalg.norm(normal)
        b1 = e1 / np.linalg.norm(e1)
        basis = np.column_stack([b1, np.cross(normal, b1)])
        vertex = (p - origin) @ basis
        limits = np.zeros((3, 2, 2))
        rays = np.zeros((3, 2, 2))
        for t in range(3):
            others = [j for j in range(3) if j != t]
            a = np.array([vertex[t] - vertex[j] for j in others])
            a /= np.linalg.norm(a, axis=1, keepdims=True)
            limits[t] = a
            for k in range(2):
                v = np.array([-a[k, 1], a[k, 0]])  # perpendicular to a_k ...
                if v @ a[1 - k] < 0:  # ... on the side the other limit allows
                    v = -v
                rays[t, k] = v
        return cls(p, float(max_distance), origin, basis, normal, vertex, limits, rays)

    def distances(self, x) -> np.ndarray:
        """Distance of each profile to each type's extended region, shape ``(..., 3)``."""
        x = np.asarray(x, dtype=float)
        rel = x - self.origin
        h = rel @ self.normal  # (...)
        y = rel @ self.basis  # (..., 2) in-plane coordinates
        out = np.empty(x.shape[:-1] + (len(TYPES),))
        for t in range(len(TYPES)):
            yt = y - self.vertex[t]
            inside = ((yt @ self.limits[t].T) >= 0).all(axis=-1)
            along = np.maximum(yt @ self.rays[t].T, 0.0)  # (..., 2) projections on the rays
            foot = along[..., :, None] * self.rays[t]  # (..., 2 rays, 2 coords)
            to_ray = np.linalg.norm(yt[..., None, :] - foot, axis=-1).min(axis=-1)
            e = np.where(inside, 0.0, to_ray)
            out[..., t] = np.sqrt(h**2 + e**2)
        return out

    def outcome(self, x) -> np.ndarray:
        """Outcome code per profile: the index in :data:`OUTCOMES` (3 = mixed).

        A profile with a missing face gets -1.
        """
        d = self.distances(x)
        code = np.where(d.min(axis=-1) > self.max_distance, MIXED, np.argmin(d, axis=-1))
        return np.where(np.isnan(d).any(axis=-1), -1, code)  # NaN rows: whatever code said
