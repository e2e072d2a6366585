"""Flattening a CSAF 2.0 product tree: branches, full product names, relationships, groups; and
malformed trees never raise."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.csaf.product_tree import (
    MAX_DEPTH,
    Product,
    expand,
    flatten_product_tree,
    product_groups,
    product_ids,
)

TREE: dict[str, Any] = {
    "branches": [
        {
            "category": "vendor",
            "name": "Contoso Medical",
            "branches": [
                {
                    "category": "product_family",
                    "name": "Infusion",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": "Pump Gateway",
                            "branches": [
                                {
                                    "category": "product_version_range",
                                    "name": "<=2.6A",
                                    "product": {
                                        "name": "Contoso Pump Gateway <=2.6A",
                                        "product_id": "CSAFPID-0001",
                                        "product_identification_helper": {
                                            "cpe": "cpe:2.3:a:contoso:pump_gateway:*:*:*:*:*:*:*:*"
                                        },
                                    },
                                },
                                {
                                    "category": "product_version",
                                    "name": "2.7",
                                    "product": {
                                        "name": "Contoso Pump Gateway 2.7",
                                        "product_id": "CSAFPID-0002",
                                    },
                                },
                            ],
                        },
                        {
                            "category": "product_version",
                            "name": "1.0",
                            "product": {"name": "Infusion 1.0", "product_id": "CSAFPID-0003"},
                        },
                    ],
                }
            ],
        },
        {
            "category": "vendor",
            "name": "Fabrikam",
            "branches": [
                {
                    "category": "product_name",
                    "name": "RTOS",
                    "branches": [
                        {
                            "category": "product_version",
                            "name": "4.1",
                            "product": {
                                "name": "Fabrikam RTOS 4.1",
                                "product_id": "OS-41",
                                "product_identification_helper": {"purl": "pkg:generic/rtos@4.1"},
                            },
                        }
                    ],
                }
            ],
        },
    ],
    "full_product_names": [{"name": "Legacy Viewer", "product_id": "LEGACY"}],
    "relationships": [
        {
            "category": "installed_on",
            "product_reference": "CSAFPID-0001",
            "relates_to_product_reference": "OS-41",
            "full_product_name": {
                "name": "Contoso Pump Gateway <=2.6A installed on Fabrikam RTOS 4.1",
                "product_id": "REL-1",
            },
        },
        {
            # built on the relationship above: resolved in a second pass
            "category": "default_component_of",
            "product_reference": "REL-1",
            "relates_to_product_reference": "LEGACY",
            "full_product_name": {"name": "Bundle", "product_id": "REL-2"},
        },
        {
            "category": "installed_on",
            "product_reference": "NOWHERE",
            "relates_to_product_reference": "OS-41",
            "full_product_name": {"name": "Ghost", "product_id": "REL-3"},
        },
    ],
    "product_groups": [
        {"group_id": "G1", "product_ids": ["CSAFPID-0001", "CSAFPID-0002"]},
        {"group_id": "G2", "product_ids": "not a list"},
    ],
}


def test_branches_give_vendor_product_and_versions() -> None:
    products = flatten_product_tree(TREE)
    assert products["CSAFPID-0001"] == Product(
        "CSAFPID-0001",
        "Contoso Pump Gateway <=2.6A",
        "Contoso Medical",
        "Pump Gateway",
        "<=2.6A",
        "cpe:2.3:a:contoso:pump_gateway:*:*:*:*:*:*:*:*",
        "",
        "branches",
    )
    assert products["CSAFPID-0002"].versions == "2.7"
    # no product_name node: the product family names the product
    assert products["CSAFPID-0003"].product == "Infusion"
    assert products["OS-41"].purl == "pkg:generic/rtos@4.1"
    assert products["OS-41"].vendor == "Fabrikam"


def test_full_product_names_and_relationships() -> None:
    products = flatten_product_tree(TREE)
    assert products["LEGACY"].product == "Legacy Viewer"
    assert products["LEGACY"].vendor == ""
    relation = products["REL-1"]
    # the component's vendor, product, versions and identifiers; its own name
    assert (relation.vendor, relation.product, relation.versions) == (
        "Contoso Medical",
        "Pump Gateway",
        "<=2.6A",
    )
    assert relation.name.endswith("installed on Fabrikam RTOS 4.1")
    assert relation.cpe.startswith("cpe:2.3:a:contoso")
    assert relation.origin == "relationships"
    assert products["REL-2"].product == "Pump Gateway"
    assert "REL-3" not in products  # its component is nowhere


def test_order_and_first_definition_wins() -> None:
    tree = {
        "full_product_names": [
            {"name": "A", "product_id": "X"},
            {"name": "B", "product_id": "X"},
            {"name": "C", "product_id": "Y"},
        ]
    }
    products = flatten_product_tree(tree)
    assert list(products) == ["X", "Y"]
    assert products["X"].name == "A"


def test_groups_and_expansion() -> None:
    groups = product_groups(TREE)
    assert groups == {"G1": ["CSAFPID-0001", "CSAFPID-0002"], "G2": []}
    assert expand(["LEGACY", "CSAFPID-0002"], ["G1", "NOPE"], groups) == [
        "LEGACY",
        "CSAFPID-0002",
        "CSAFPID-0001",
    ]
    assert product_ids(["a", "a", 3, None, " b "]) == ["a", "b"]


def test_depth_is_bounded() -> None:
    leaf: dict[str, Any] = {
        "category": "product_version",
        "name": "9",
        "product": {"name": "deep", "product_id": "D"},
    }
    tree: dict[str, Any] = leaf
    for _level in range(MAX_DEPTH + 10):
        tree = {"category": "vendor", "name": "V", "branches": [tree]}
    assert flatten_product_tree({"branches": [tree]}) == {}
    shallow = {"category": "vendor", "name": "V", "branches": [leaf]}
    assert list(flatten_product_tree({"branches": [shallow]})) == ["D"]


def test_cyclic_relationships_end() -> None:
    tree = {
        "relationships": [
            {
                "product_reference": "A",
                "relates_to_product_reference": "B",
                "full_product_name": {"name": "A on B", "product_id": "B"},
            },
            {
                "product_reference": "B",
                "relates_to_product_reference": "A",
                "full_product_name": {"name": "B on A", "product_id": "A"},
            },
        ]
    }
    assert flatten_product_tree(tree) == {}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "branches",
                    "category",
                    "name",
                    "product",
                    "product_id",
                    "product_identification_helper",
                    "cpe",
                    "purl",
                    "full_product_names",
                    "relationships",
                    "product_reference",
                    "full_product_name",
                    "product_groups",
                    "group_id",
                    "product_ids",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_malformed_trees_never_raise(tree: Any) -> None:
    products = flatten_product_tree(tree)
    for product_id, product in products.items():
        assert product_id == product.product_id and product_id
        assert all(
            isinstance(value, str)
            for value in (product.name, product.vendor, product.product, product.versions)
        )
    groups = product_groups(tree)
    assert all(isinstance(ids, list) for ids in groups.values())
    expand(tree, tree, groups)
