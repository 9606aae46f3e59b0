package example;

import io.github.wagtailscaletozero.AppRunnerOptions;
import io.github.wagtailscaletozero.DatabaseOptions;
import io.github.wagtailscaletozero.WagtailCompute;
import io.github.wagtailscaletozero.WagtailImage;
import io.github.wagtailscaletozero.WagtailScaleToZero;
import io.github.wagtailscaletozero.WagtailScaleToZeroProps;
import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;

/** A tiny CDK app a Java user would write with wagtail-scale-to-zero. */
public final class ConsumerApp {
    /** A directory with a Dockerfile; synth only stages it, nothing builds it. */
    public static final Path IMAGE_DIRECTORY = Path.of("..", "fixtures", "image").toAbsolutePath().normalize();

    private ConsumerApp() {
    }

    public static Stack buildStack(final App app, final int maxConcurrency) {
        Stack stack = new Stack(app, "JavaConsumer", StackProps.builder()
                .env(Environment.builder().account("123456789012").region("eu-west-3").build())
                .build());
        new WagtailScaleToZero(stack, "Cms", WagtailScaleToZeroProps.builder()
                .image(WagtailImage.fromDirectory(IMAGE_DIRECTORY.toString()))
                .compute(WagtailCompute.appRunner(AppRunnerOptions.builder()
                        .minInstances(2)
                        .maxInstances(10)
                        .maxConcurrency(maxConcurrency)
                        .build()))
                .database(DatabaseOptions.builder()
                        .minCapacity(0)
                        .maxCapacity(8)
                        .autoPause(Duration.minutes(30))
                        .build())
                .build());
        return stack;
    }

    public static void main(final String[] args) {
        App app = new App();
        buildStack(app, 50);
        app.synth();
    }
}
