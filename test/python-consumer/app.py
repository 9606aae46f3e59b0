"""A tiny CDK app a Python user would write with wagtail-scale-to-zero.

Run it as `python app.py` (it writes cdk.out/), or import `build_stack` as the test does.
"""
import os

import aws_cdk as cdk
from wagtail_scale_to_zero import (
    DatabaseOptions,
    WagtailCompute,
    WagtailImage,
    WagtailScaleToZero,
)

# The tiny Dockerfile the TypeScript tests use: synth only stages it as an image asset, nothing builds it.
IMAGE_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "image")


def cms_stack(app: cdk.App, stack_id: str, **props) -> cdk.Stack:
    """A stack in a fixed account and region holding one WagtailScaleToZero built from the test image."""
    stack = cdk.Stack(app, stack_id, env=cdk.Environment(account="123456789012", region="eu-west-3"))
    WagtailScaleToZero(stack, "Cms", image=WagtailImage.from_directory(IMAGE_DIRECTORY), **props)
    return stack


def build_stack(app: cdk.App, max_concurrency: int = 50) -> cdk.Stack:
    return cms_stack(
        app,
        "PythonConsumer",
        compute=WagtailCompute.app_runner(min_instances=2, max_instances=10, max_concurrency=max_concurrency),
        database=DatabaseOptions(min_capacity=0, max_capacity=8, auto_pause=cdk.Duration.minutes(30)),
    )


def build_lambda_stack(app: cdk.App) -> cdk.Stack:
    """The Lambda compute, for accounts without App Runner: the names read as Python (no `lambda_`)."""
    return cms_stack(
        app, "PythonConsumerLambda", compute=WagtailCompute.lambda_function(memory_size=2048, max_concurrency=30)
    )


if __name__ == "__main__":
    cdk_app = cdk.App()
    build_stack(cdk_app)
    cdk_app.synth()
