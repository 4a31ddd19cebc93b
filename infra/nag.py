"""cdk-nag (AwsSolutions pack) and the stack's acknowledgments, each with its reason.

cdk-nag 3 runs as a CDK policy-validation plugin: synthesis fails when a finding is not
acknowledged (``Validations.of(construct).acknowledge(...)``), and infra/check.py also fails
on findings of warning level. Every acknowledgment of the stack goes through ``acknowledge``
below (a reason is mandatory), so ``git grep acknowledge infra/`` lists them all; the
wildcard resources of generated IAM statements are acknowledged finding by finding, with the
reason the statement generator gave (infra/permissions.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from infra.permissions import Statement

WILDCARD_RULE = "AwsSolutions-IAM5"


def enable(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True)
    )


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge finding ``rule`` (``AwsSolutions-S1``, ``AwsSolutions-IAM5[Resource::*]``)
    on ``construct`` and everything under it."""
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledging {rule}: write a real reason, not {reason!r}")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def acknowledge_wildcards(construct: IConstruct, statements: Iterable[Statement]) -> None:
    """Acknowledge the IAM5 finding of each wildcard resource of ``statements``, with the
    statement's reason. A wildcard without a reason is a bug of the generator: it fails."""
    stack = cdk.Stack.of(construct)
    for statement in statements:
        for resource in statement.resources:
            flat = flatten_reference(stack.resolve(resource))
            if "*" not in flat:
                continue
            if statement.wildcard_reason is None:
                raise ValueError(f"statement {statement.sid}: wildcard resource {flat} unexplained")
            acknowledge(construct, f"{WILDCARD_RULE}[Resource::{flat}]", statement.wildcard_reason)


def flatten_reference(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag writes it in finding ids: a port of cdk-nag's
    ``flattenCfnReference`` (``{"Ref": "X"}`` → ``<X>``, ``Fn::GetAtt`` → ``<X.Arn>``,
    ``Fn::Join`` joined, ``${...}`` of ``Fn::Sub`` → ``<...>``)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        for key, flatten in _INTRINSICS.items():
            if key in node:
                return flatten(node[key])
    return json.dumps(node, separators=(",", ":"))


def _join(value: Any) -> str:
    delimiter, items = value
    return str(delimiter).join(flatten_reference(item) for item in items)


def _get_att(value: Any) -> str:
    resource, attribute = value
    return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"


_INTRINSICS: dict[str, Callable[[Any], str]] = {
    # Checked in cdk-nag's order.
    "Fn::Join": _join,
    "Fn::Sub": flatten_reference,
    "Fn::GetAtt": _get_att,
    "Fn::ImportValue": flatten_reference,
    "Ref": lambda value: f"<{flatten_reference(value)}>",
}
