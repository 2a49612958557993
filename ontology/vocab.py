"""The map's vocabulary as plain Python: codes, names and namespaces, no RDF library.

What the graph algorithms (:mod:`ccare.graph`) and the command line need to know of the
vocabulary without loading rdflib: the need codes, the relations operating loops walk,
the classes that give a node its kind and its roles (by their local names in the ccare
vocabulary), and the namespaces.  :mod:`ccare.ontology` builds its rdflib namespaces from
the same strings.

Examples
--------
>>> NEED_CODES
('SCALE', 'ACTIVE', 'WORTH', 'EFFICIENCY')
>>> CC_NS + {role: cls for cls, role in NODE_ROLES}["hub"]
'https://w3id.org/ccare/ontology#PaymentHub'
"""

from __future__ import annotations

__all__ = ["CC_NS", "ID_NS", "QUDT_NS", "UNIT_NS", "NEED_CODES", "FLOW_RELATIONS", "NODE_KINDS", "NODE_ROLES"]

#: The ccare vocabulary (``cc:``).
CC_NS = "https://w3id.org/ccare/ontology#"
#: The map's entities (``ccid:``): ``ID_NS + "fan-group"``.
ID_NS = "https://w3id.org/ccare/id/"
QUDT_NS = "http://qudt.org/schema/qudt/"
UNIT_NS = "http://qudt.org/vocab/unit/"

#: The four C-CARE needs, in the source's order.
NEED_CODES = ("SCALE", "ACTIVE", "WORTH", "EFFICIENCY")

#: The relations operating loops walk: users and data moving between products (edge keys,
#: the local names of ``cc:userFlowsTo`` and ``cc:dataFlowsTo``).
FLOW_RELATIONS = ("userFlowsTo", "dataFlowsTo")

#: A node's ``kind`` by the class (local name in ``cc:``) it is an instance of, most
#: specific first.
NODE_KINDS = (
    ("Product", "product"),
    ("Programme", "programme"),
    ("Need", "need"),
    ("Value", "value"),
    ("Domain", "domain"),
    ("Scene", "scene"),
    ("Advantage", "advantage"),
    ("Case", "case"),
    ("Practice", "practice"),
    ("QuantitativeFact", "fact"),
)

#: Roles the loop queries read, by class (never by id): a node may have several.
NODE_ROLES = (
    ("PaymentHub", "hub"),  # every merchant already has it; loops pass through it
    ("ReachActivator", "reach"),  # turns data into reach: a loop may enter it along a data flow
    ("EntryChannel", "entry"),  # customers come in through it: stands in for the public domain
    ("SupportingProduct", "supporting"),  # works behind another product, carries no users
)
