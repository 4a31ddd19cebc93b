"""Repère's AWS stack (CDK, Python). See docs/infra.md.

The stack is generated from registries rather than kept by hand:

- DynamoDB tables from ``chalicelib.adapters.dynamodb.tables.TABLES`` (infra/tables.py),
- workers, queues, buckets and what each function may touch from infra/registry.py,
- the API from the Chalice app itself (``chalice.cdk.Chalice``, infra/api.py).
"""

import os

# jsii (aws-cdk-lib's runtime) prints a banner on stderr each time it starts on a Node.js past
# its end of life, as CI's Node 20 is; synthesis is unaffected. Set before aws_cdk is imported.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
