"""The Python binding of wagtail-scale-to-zero, used as a Python user would use it."""
import re
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from app import build_lambda_stack, build_stack


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Template:
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return Template.from_stack(build_stack(app))


def only_properties(template: Template, resource_type: str) -> dict:
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, f"expected one {resource_type}, found {len(resources)}"
    return next(iter(resources.values()))["Properties"]


def test_scaling_props_reach_the_auto_scaling_configuration(template):
    template.has_resource_properties(
        "AWS::AppRunner::AutoScalingConfiguration",
        {"MinSize": 2, "MaxSize": 10, "MaxConcurrency": 50},
    )
    props = only_properties(template, "AWS::AppRunner::AutoScalingConfiguration")
    assert (props["MinSize"], props["MaxSize"], props["MaxConcurrency"]) == (2, 10, 50)


def test_database_props_reach_the_serverless_v2_cluster(template):
    props = only_properties(template, "AWS::RDS::DBCluster")
    assert props["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": 0,
        "MaxCapacity": 8,
        "SecondsUntilAutoPause": 1800,
    }


def test_the_image_directory_is_staged_as_a_docker_asset_without_building_it(template):
    # Synth needs no Docker engine: the asset is only staged, and ECRDeployment copies it into the repository,
    # under the tag App Runner tracks and under its content tag, which the operator function pulls.
    template.resource_count_is("AWS::ECR::Repository", 1)
    template.resource_count_is("Custom::CDKECRDeployment", 2)


def test_a_bad_max_concurrency_fails_with_the_typescript_message():
    expected = "appRunner.maxConcurrency must be between 1 and 200 (inclusive); got 201"
    # jsii turns the JavaScript Error into a RuntimeError carrying the same message.
    with pytest.raises(RuntimeError, match=re.escape(expected)) as raised:
        build_stack(cdk.App(), max_concurrency=201)
    assert expected in str(raised.value)


def test_the_readme_python_quick_start_synthesizes_with_the_bundled_app():
    # The README's Python snippet, run as written: it must not rot. Its default image is the app bundled in the package.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(snippets) == 1, "the README should hold exactly one Python quick start"
    scope: dict = {}
    exec(compile(snippets[0], "README.md (python quick start)", "exec"), scope)
    template = Template.from_stack(scope["stack"])
    template.has_resource_properties(
        "AWS::AppRunner::AutoScalingConfiguration", {"MinSize": 1, "MaxSize": 10, "MaxConcurrency": 100}
    )
    template.resource_count_is("Custom::CDKECRDeployment", 2)


def test_the_lambda_compute_from_python():
    template = Template.from_stack(build_lambda_stack(cdk.App()))
    template.resource_count_is("AWS::AppRunner::Service", 0)
    template.has_resource_properties(
        "AWS::Lambda::Function", {"PackageType": "Image", "MemorySize": 2048, "ReservedConcurrentExecutions": 30}
    )
