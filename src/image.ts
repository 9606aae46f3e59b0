import * as path from 'path';
import { Names, RemovalPolicy, Stage } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { DockerImageName, ECRDeployment } from 'cdk-ecr-deployment';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { CONTRACT } from './contract';
import { BUNDLED_APP_DIRECTORY } from './runtime-defaults';
import { checkDebianPackages } from './validation';
import { inspectWagtailProject, stageWagtailProject } from './wagtail-project';

/** Options for an image that the construct builds from a directory holding a Dockerfile. */
export interface DirectoryImageOptions {
  /**
   * The tag App Runner tracks; pushing a new image to it redeploys the service. (The Lambda compute tags the image
   * by its content instead: a new image reaches the function with the next deployment.)
   * @default 'latest'
   */
  readonly tag?: string;
  /**
   * Build arguments passed to `docker build`.
   * @default - none
   */
  readonly buildArgs?: { [name: string]: string };
}

/** Options for a Wagtail project the construct builds with its own Dockerfile. */
export interface WagtailProjectImageOptions {
  /**
   * The tag App Runner tracks; pushing a new image to it redeploys the service. (The Lambda compute tags the image
   * by its content instead: a new image reaches the function with the next deployment.)
   * @default 'latest'
   */
  readonly tag?: string;
  /**
   * The settings module the site runs with in production.
   * @default - `<project>.settings.production` when the project has it (the `wagtail start` layout), else the
   * module manage.py names
   */
  readonly settingsModule?: string;
  /**
   * Debian packages the site needs at run time, e.g. `libmagic1` for python-magic; installed in the image, and in
   * the build stage too, since collecting static files imports the site.
   * @default - none: Debian's python3 and libpq5 only
   */
  readonly systemPackages?: string[];
  /**
   * Debian packages only the build needs, e.g. the headers a dependency without a wheel compiles against
   * (`libxml2-dev`); the build stage already has a C compiler, Python's headers and libpq's. Not in the image.
   * @default - none
   */
  readonly buildPackages?: string[];
}

/** How the construct's own ECR repository is kept; used only by images the construct builds. */
export interface WagtailImageBindOptions {
  /** What happens to the repository and its images when the stack deletes it. */
  readonly repositoryRemovalPolicy: RemovalPolicy;
  /** How many images the repository keeps; older ones expire. */
  readonly imagesToKeep: number;
  /**
   * Whether the image the construct builds is tagged by its content (the asset hash) instead of the tracked tag:
   * Lambda resolves a tag once, at deployment, so a changed image must come with a changed tag.
   * @default false
   */
  readonly tagByContent?: boolean;
}

/** Where the compute pulls the image from, once bound. */
export interface WagtailImageConfig {
  /** The repository the compute pulls from (and App Runner tracks). */
  readonly repository: ecr.IRepository;
  /** The tag the compute runs (App Runner tracks it; Lambda resolves it at deployment). */
  readonly tag: string;
  /**
   * A tag that names this image alone (its content), for the operator function of App Runner stacks: a function
   * resolves its tag once, at deployment, so it must be given a new tag with each new image.
   * @default - `tag`
   */
  readonly contentTag?: string;
  /**
   * What must exist before the service or function is created (the image copied into the repository).
   * @default - nothing
   */
  readonly readiness?: IDependable;
}

/** The container image the site runs, on App Runner or Lambda. */
export abstract class WagtailImage {
  /** The Wagtail site shipped with this library (a stock `wagtail start` site), built for linux/amd64 at deploy time. */
  public static fromBundledApp(options: WagtailProjectImageOptions = {}): WagtailImage {
    return WagtailImage.fromWagtailProject(BUNDLED_APP_DIRECTORY, options);
  }

  /**
   * Your own Wagtail site as `wagtail start` made it, with the runtime package in its requirements.txt and
   * `configure(globals())` at the end of its production settings; no Dockerfile needed: the library builds it for
   * linux/amd64 at deploy time (Debian's Python, a non-root user, static files collected at build). requirements.txt
   * may include other files (`-r`, `-c`) and name local packages by path; dependencies without a wheel are compiled
   * in a build stage whose compiler stays out of the image.
   */
  public static fromWagtailProject(directory: string, options: WagtailProjectImageOptions = {}): WagtailImage {
    checkDebianPackages('systemPackages', options.systemPackages);
    checkDebianPackages('buildPackages', options.buildPackages);
    const project = inspectWagtailProject(directory, options.settingsModule);
    const buildArgs: { [name: string]: string } = {
      SETTINGS_MODULE: project.settingsModule,
      POSTGRES_MAJOR: String(CONTRACT.postgresMajorVersion),
    };
    if (options.systemPackages?.length) {
      buildArgs.SYSTEM_PACKAGES = options.systemPackages.join(' ');
    }
    if (options.buildPackages?.length) {
      buildArgs.BUILD_PACKAGES = options.buildPackages.join(' ');
    }
    return new DirectoryImage(directory, { tag: options.tag, buildArgs }, true);
  }

  /** Your own Wagtail site with its own Dockerfile (following the runtime's container contract), built for linux/amd64. */
  public static fromDirectory(directory: string, options: DirectoryImageOptions = {}): WagtailImage {
    return new DirectoryImage(directory, options);
  }

  /**
   * An image you push yourself to your own repository; App Runner redeploys when `tag` moves, while a function (the
   * Lambda compute, and App Runner's operator function) resolves `tag` at deployment (deploy again, or use a new
   * tag, for the function to run a new image).
   * The image must follow the bundled app's container contract (environment variables and endpoints).
   */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string = 'latest'): WagtailImage {
    return new RepositoryImage(repository, tag);
  }

  /** Creates what the image needs in `scope` and says where App Runner finds it. */
  public abstract bind(scope: Construct, options: WagtailImageBindOptions): WagtailImageConfig;
}

class DirectoryImage extends WagtailImage {
  /** @param libraryBuild whether the library's Dockerfile builds the directory (a Wagtail project) */
  constructor(private readonly directory: string, private readonly options: DirectoryImageOptions, private readonly libraryBuild = false) {
    super();
  }

  public bind(scope: Construct, options: WagtailImageBindOptions): WagtailImageConfig {
    const repository = new ecr.Repository(scope, 'Repository', {
      imageScanOnPush: true,
      removalPolicy: options.repositoryRemovalPolicy,
      emptyOnDelete: options.repositoryRemovalPolicy === RemovalPolicy.DESTROY,
      lifecycleRules: [{ description: `Keep the last ${options.imagesToKeep} images`, maxImageCount: options.imagesToKeep }],
    });
    const context = this.libraryBuild ? this.stage(scope) : { directory: this.directory, file: undefined };
    const asset = new DockerImageAsset(scope, 'ImageAsset', {
      ...context,
      platform: Platform.LINUX_AMD64,
      buildArgs: this.options.buildArgs,
    });
    const tag = options.tagByContent ? asset.assetHash : this.options.tag ?? 'latest';
    // The compute may only be created once its tags exist in the repository it pulls from.
    const copyTo = (id: string, destinationTag: string) => new ECRDeployment(scope, id, {
      src: new DockerImageName(asset.imageUri),
      dest: new DockerImageName(repository.repositoryUriForTag(destinationTag)),
    });
    const readiness = new DependencyGroup(copyTo('ImageCopy', tag));
    if (tag !== asset.assetHash) {
      // The tracked tag moves with each image; a function, which resolves its tag once, pulls the content tag.
      readiness.add(copyTo('ContentTagCopy', asset.assetHash));
    }
    return { repository, tag, contentTag: asset.assetHash, readiness };
  }

  /** Lays out the project's build context under the app's output directory, which is cleaned with it. */
  private stage(scope: Construct): { directory: string; file: string } {
    const directory = path.join(Stage.of(scope)!.outdir, `wagtail-project.${Names.uniqueId(scope)}`);
    return { directory, file: stageWagtailProject(this.directory, directory) };
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
