import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { DockerImageName, ECRDeployment } from 'cdk-ecr-deployment';
import { Construct, IDependable } from 'constructs';
import { BUNDLED_APP_DIRECTORY } from './runtime-defaults';

/** Options for an image that the construct builds from a directory holding a Dockerfile. */
export interface DirectoryImageOptions {
  /**
   * The tag App Runner tracks; pushing a new image to it redeploys the service.
   * @default 'latest'
   */
  readonly tag?: string;
  /**
   * Build arguments passed to `docker build`.
   * @default - none
   */
  readonly buildArgs?: { [name: string]: string };
}

/** How the construct's own ECR repository is kept; used only by images the construct builds. */
export interface WagtailImageBindOptions {
  /** What happens to the repository and its images when the stack deletes it. */
  readonly repositoryRemovalPolicy: RemovalPolicy;
  /** How many images the repository keeps; older ones expire. */
  readonly imagesToKeep: number;
}

/** Where App Runner pulls the image from, once bound. */
export interface WagtailImageConfig {
  /** The repository App Runner pulls from and tracks. */
  readonly repository: ecr.IRepository;
  /** The tracked tag. */
  readonly tag: string;
  /**
   * What must exist before the App Runner service is created (the image copied into the repository).
   * @default - nothing
   */
  readonly readiness?: IDependable;
}

/** The container image the App Runner service runs. */
export abstract class WagtailImage {
  /** The Wagtail app shipped with this library, built for linux/amd64 at deploy time. */
  public static fromBundledApp(options: DirectoryImageOptions = {}): WagtailImage {
    return new DirectoryImage(BUNDLED_APP_DIRECTORY, options);
  }

  /** Your own Wagtail app: a directory with a Dockerfile, built for linux/amd64 at deploy time. */
  public static fromDirectory(directory: string, options: DirectoryImageOptions = {}): WagtailImage {
    return new DirectoryImage(directory, options);
  }

  /**
   * An image you push yourself to your own repository; App Runner redeploys when `tag` moves.
   * The image must follow the bundled app's container contract (environment variables and endpoints).
   */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string = 'latest'): WagtailImage {
    return new RepositoryImage(repository, tag);
  }

  /** Creates what the image needs in `scope` and says where App Runner finds it. */
  public abstract bind(scope: Construct, options: WagtailImageBindOptions): WagtailImageConfig;
}

class DirectoryImage extends WagtailImage {
  constructor(private readonly directory: string, private readonly options: DirectoryImageOptions) {
    super();
  }

  public bind(scope: Construct, options: WagtailImageBindOptions): WagtailImageConfig {
    const tag = this.options.tag ?? 'latest';
    const repository = new ecr.Repository(scope, 'Repository', {
      imageScanOnPush: true,
      removalPolicy: options.repositoryRemovalPolicy,
      emptyOnDelete: options.repositoryRemovalPolicy === RemovalPolicy.DESTROY,
      lifecycleRules: [{ description: `Keep the last ${options.imagesToKeep} images`, maxImageCount: options.imagesToKeep }],
    });
    const asset = new DockerImageAsset(scope, 'ImageAsset', {
      directory: this.directory,
      platform: Platform.LINUX_AMD64,
      buildArgs: this.options.buildArgs,
    });
    // App Runner may only be created once the tracked tag exists in the repository it pulls from.
    const copy = new ECRDeployment(scope, 'ImageCopy', {
      src: new DockerImageName(asset.imageUri),
      dest: new DockerImageName(repository.repositoryUriForTag(tag)),
    });
    return { repository, tag, readiness: copy };
  }
}

class RepositoryImage extends WagtailImage {
  constructor(private readonly repository: ecr.IRepository, private readonly tag: string) {
    super();
  }

  public bind(_scope: Construct, _options: WagtailImageBindOptions): WagtailImageConfig {
    return { repository: this.repository, tag: this.tag };
  }
}
