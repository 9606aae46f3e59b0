package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;

/** The Java binding of wagtail-scale-to-zero, used as a Java user would use it. */
class ConsumerAppTest {
    @TempDir
    static Path outdir;

    private static Template template;

    @BeforeAll
    static void synth() {
        App app = new App(AppProps.builder().outdir(outdir.toString()).build());
        template = Template.fromStack(ConsumerApp.buildStack(app, 50));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> onlyProperties(final String type) {
        Map<String, Map<String, Object>> resources = template.findResources(type);
        assertEquals(1, resources.size(), "resources of type " + type);
        return (Map<String, Object>) resources.values().iterator().next().get("Properties");
    }

    private static double number(final Object value) {
        return ((Number) value).doubleValue();
    }

    @Test
    void scalingPropsReachTheAutoScalingConfiguration() {
        template.hasResourceProperties("AWS::AppRunner::AutoScalingConfiguration",
                Map.of("MinSize", 2, "MaxSize", 10, "MaxConcurrency", 50));
        Map<String, Object> props = onlyProperties("AWS::AppRunner::AutoScalingConfiguration");
        assertEquals(2, number(props.get("MinSize")));
        assertEquals(10, number(props.get("MaxSize")));
        assertEquals(50, number(props.get("MaxConcurrency")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void databasePropsReachTheServerlessV2Cluster() {
        template.hasResourceProperties("AWS::RDS::DBCluster", Map.of("ServerlessV2ScalingConfiguration",
                Map.of("MinCapacity", 0, "MaxCapacity", 8, "SecondsUntilAutoPause", 1800)));
        Map<String, Object> scaling = (Map<String, Object>) onlyProperties("AWS::RDS::DBCluster")
                .get("ServerlessV2ScalingConfiguration");
        assertEquals(3, scaling.size(), scaling.toString());
        assertEquals(0, number(scaling.get("MinCapacity")));
        assertEquals(8, number(scaling.get("MaxCapacity")));
        assertEquals(1800, number(scaling.get("SecondsUntilAutoPause")));
    }

    @Test
    void theImageDirectoryIsStagedAsADockerAssetWithoutBuildingIt() {
        // Copied under the tag App Runner tracks and under its content tag, which the operator function pulls.
        template.resourceCountIs("AWS::ECR::Repository", 1);
        template.resourceCountIs("Custom::CDKECRDeployment", 2);
    }

    @Test
    void aBadMaxConcurrencyFailsWithTheTypeScriptMessage() {
        String expected = "appRunner.maxConcurrency must be between 1 and 200 (inclusive); got 201";
        RuntimeException error = assertThrows(RuntimeException.class,
                () -> ConsumerApp.buildStack(new App(), 201));
        assertTrue(error.getMessage().contains(expected), "message was: " + error.getMessage());
    }
}
