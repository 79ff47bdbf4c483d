using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using StepOperator.Stacks;

namespace StepOperator.Docker;

/// <summary>What to build and where to push it.</summary>
/// <param name="ProgramDirectory">The pipeline program's build output (the build context).</param>
/// <param name="EntryAssembly">The program's main assembly file name.</param>
/// <param name="BaseImage">The .NET runtime image to build on.</param>
/// <param name="Registry">Where to push; null keeps the image on the local engine only.</param>
/// <param name="PreventBuildReuse">Build and push even when the tag already exists (ZenML's prevent_build_reuse).</param>
public sealed record ImageBuildRequest(
    string ProgramDirectory,
    string EntryAssembly,
    string BaseImage,
    ContainerRegistry? Registry,
    bool PreventBuildReuse = false)
{
    public const string DefaultBaseImage = "mcr.microsoft.com/dotnet/runtime:10.0";

    /// <summary>The variable the built-in docker image builder reads its base image from.</summary>
    public const string BaseImageVariable = "STEPOPERATOR_BASE_IMAGE";

    /// <summary>How to choose another base image, naming the setting it comes from (the image builder's own fix, when it is known).</summary>
    public string BaseImageFix { get; init; } =
        $"set {BaseImageVariable}=<image> for the built-in 'docker' image builder, or base_image on a registered one (image-builder update <name> --base_image=<image>)";
}

/// <summary>What the engine and the registry have of the program's image before a run builds, pulls or pushes it.</summary>
/// <param name="Context">The build context (the program's files and the Dockerfile).</param>
/// <param name="BaseImageId">The base image's id on the engine; null when the engine does not have it.</param>
/// <param name="Repository">The repository, with the registry's server when there is one.</param>
/// <param name="Tag">The content-hash tag.</param>
/// <param name="Reference">Repository and tag.</param>
/// <param name="RepositoryPath">The repository under the registry's server.</param>
/// <param name="ExistsLocally">The engine has the tagged image.</param>
/// <param name="InRegistry">The registry has the tag.</param>
internal sealed record ImageState(
    ImageBuildContext Context, string? BaseImageId, string Repository, string Tag, string Reference, string RepositoryPath, bool ExistsLocally, bool InRegistry);

/// <summary>The image a run uses, and what it took to get it.</summary>
/// <param name="Reference">The full tag, such as 127.0.0.1:5000/stepoperator/trainingpipeline:3f9a….</param>
/// <param name="Repository">The repository part (under the registry).</param>
/// <param name="Tag">The content-hash tag.</param>
/// <param name="Built">True when the engine built it in this run.</param>
/// <param name="Pulled">True when it was pulled from the registry instead of built.</param>
/// <param name="Pushed">True when it was pushed in this run.</param>
public sealed record ImageResult(string Reference, string Repository, string Tag, bool Built, bool Pulled, bool Pushed);

/// <summary>
/// Builds the program's image through the Docker Engine API for linux/amd64, tagged by content hash,
/// and pushes it to the stack's registry. An existing tag is reused (no build, no push) unless
/// <see cref="ImageBuildRequest.PreventBuildReuse"/> is set.
/// </summary>
public sealed class ImageBuilder(DockerEngine engine, Action<string> log)
{
    public const string Platform = "linux/amd64";

    public async Task<ImageResult> EnsureImageAsync(ImageBuildRequest request, CancellationToken cancellationToken)
    {
        using var registryClient = request.Registry is null ? null : new RegistryClient(request.Registry);
        if (registryClient is not null)
        {
            // A wrong password fails here, before any build or push.
            await registryClient.CheckCredentialsAsync(cancellationToken).ConfigureAwait(false);
        }

        var (context, baseImageId, repository, tag, reference, repositoryPath, existsLocally, inRegistry) =
            await InspectAsync(request, registryClient, cancellationToken).ConfigureAwait(false);
        var built = false;
        var pulled = false;

        if (request.PreventBuildReuse || (!existsLocally && !inRegistry))
        {
            if (baseImageId is null)
            {
                throw new DockerEngineException(
                    $"Base image '{request.BaseImage}' is not on this Docker engine, and images are built without pulling. " +
                    $"Pull it ('docker pull {request.BaseImage}'), build a local one (eng/docker/build-base-image.sh), or use another: {request.BaseImageFix}.");
            }

            // The engine's build cache can hold several layer chains for the same files (another checkout's build, a
            // --prevent-build-reuse build, a build for another registry): the classic builder stamps what it creates
            // with the build time, so each chain has its own layer digests. Building from this program's newest image
            // keeps the layers its registry already has, and a code change pushes only the program's own layer.
            var cacheFrom = request.PreventBuildReuse ? null : await NewestImageAsync(repository, cancellationToken).ConfigureAwait(false);
            log($"building image {reference} ({context.Files.Count} files, platform {Platform}{(request.PreventBuildReuse ? ", reuse prevented" : string.Empty)}" +
                $"{(cacheFrom is null ? string.Empty : $", layers cached from {cacheFrom}")})");
            await BuildAsync(context, reference, request.PreventBuildReuse, cacheFrom, cancellationToken).ConfigureAwait(false);
            built = true;
        }
        else if (!existsLocally)
        {
            log($"pulling image {reference} (built before, from {request.Registry!.Server})");
            await PullAsync(reference, request.Registry, cancellationToken).ConfigureAwait(false);
            pulled = true;
        }
        else
        {
            log($"reusing image {reference} (already built)");
        }

        await CheckPlatformAsync(reference, cancellationToken).ConfigureAwait(false);

        var pushed = false;
        if (request.Registry is not null)
        {
            if (request.PreventBuildReuse || !inRegistry)
            {
                log($"pushing image {reference} to {request.Registry.Server}");
                await PushAsync(reference, request.Registry, cancellationToken).ConfigureAwait(false);
                pushed = true;
            }
            else
            {
                log($"registry {request.Registry.Server} already has {repositoryPath}:{tag}; nothing to push");
            }
        }

        return new ImageResult(reference, repository, tag, built, pulled, pushed);
    }

    /// <summary>What <see cref="EnsureImageAsync"/> would do, without doing it: the image's reference and whether it would be built, pulled or reused.</summary>
    public async Task<ImagePlan> PlanAsync(ImageBuildRequest request, CancellationToken cancellationToken)
    {
        using var registryClient = request.Registry is null ? null : new RegistryClient(request.Registry);
        var state = await InspectAsync(request, registryClient, cancellationToken).ConfigureAwait(false);
        var action = request.PreventBuildReuse ? "build (reuse prevented)"
            : state.ExistsLocally && (registryClient is null || state.InRegistry) ? "reuse (built before)"
            : state.ExistsLocally ? "reuse (built before), then push"
            : state.InRegistry ? "pull (in the registry)"
            : state.BaseImageId is null ? $"build (base image '{request.BaseImage}' is missing: the run would fail; pull it, or {request.BaseImageFix})"
            : "build" + (registryClient is null ? string.Empty : " and push");
        return new ImagePlan(state.Reference, action);
    }

    private async Task<ImageState> InspectAsync(
        ImageBuildRequest request, RegistryClient? registryClient, CancellationToken cancellationToken)
    {
        var context = await ImageBuildContext.FromDirectoryAsync(request.ProgramDirectory, request.EntryAssembly, request.BaseImage, cancellationToken).ConfigureAwait(false);
        var baseImageId = await LocalImageIdAsync(request.BaseImage, cancellationToken).ConfigureAwait(false);
        var tag = TagFor(context, baseImageId);
        var repository = RepositoryFor(request.EntryAssembly, request.Registry);
        var reference = $"{repository}:{tag}";
        var repositoryPath = request.Registry is null ? repository : repository[(request.Registry.Server.Length + 1)..];
        var existsLocally = await LocalImageIdAsync(reference, cancellationToken).ConfigureAwait(false) is not null;
        var inRegistry = registryClient is not null && await registryClient.HasTagAsync(repositoryPath, tag, cancellationToken).ConfigureAwait(false);
        return new ImageState(context, baseImageId, repository, tag, reference, repositoryPath, existsLocally, inRegistry);
    }

    /// <summary>The tag: the first 32 hex digits of the content hash, mixed with the base image's id.</summary>
    internal static string TagFor(ImageBuildContext context, string? baseImageId)
    {
        var bytes = Encoding.UTF8.GetBytes(context.ContentHash + "\n" + (baseImageId ?? context.BaseImage));
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
    }

    public static string RepositoryFor(string entryAssembly, ContainerRegistry? registry)
    {
        var name = new string(Path.GetFileNameWithoutExtension(entryAssembly).ToLowerInvariant()
            .Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-', '.', '_');
        var path = $"{registry?.Namespace ?? "stepoperator"}/{(name.Length == 0 ? "program" : name)}";
        return registry is null ? path : $"{registry.Server}/{path}";
    }

    private async Task<string?> LocalImageIdAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            var image = await engine.Client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
            return image.ID;
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException and not DockerApiException)
        {
            throw engine.Explain(e, $"inspect image {reference}");
        }
    }

    /// <summary>The newest local image of <paramref name="repository"/> (as repository:tag), or null when there is none.</summary>
    private async Task<string?> NewestImageAsync(string repository, CancellationToken cancellationToken)
    {
        IList<ImagesListResponse> images;
        try
        {
            images = await engine.Client.Images.ListImagesAsync(new ImagesListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [repository] = true } },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw engine.Explain(e, $"list the images of {repository}");
        }

        return images
            .OrderByDescending(image => image.Created)
            .SelectMany(image => image.RepoTags ?? [])
            .FirstOrDefault(tag => tag.StartsWith(repository + ":", StringComparison.Ordinal));
    }

    private async Task BuildAsync(ImageBuildContext context, string reference, bool noCache, string? cacheFrom, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        var writer = Task.Run(async () =>
        {
            try
            {
                await using var tar = pipe.Writer.AsStream();
                await context.WriteTarAsync(tar, cancellationToken).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e).ConfigureAwait(false);
                throw;
            }
        }, cancellationToken);

        var progress = new MessageCollector(line => log("  " + line));
        var parameters = new ImageBuildParameters
        {
            Tags = new List<string> { reference },
            Dockerfile = "Dockerfile",
            Platform = Platform,
            NoCache = noCache,
            // The engine reads cachefrom as one JSON array; Docker.DotNet sends each item as it is, so the one item is that array.
            CacheFrom = cacheFrom is null ? null : new List<string> { JsonSerializer.Serialize(new[] { cacheFrom }) },
            Remove = true,
            ForceRemove = true,
            Labels = new Dictionary<string, string> { ["io.stepoperator.content-hash"] = context.ContentHash },
        };

        try
        {
            await using var body = pipe.Reader.AsStream();
            await engine.Client.Images.BuildImageFromDockerfileAsync(parameters, body, null, null, progress, cancellationToken).ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not DockerEngineException)
        {
            throw engine.Explain(e, $"build image {reference}");
        }

        if (progress.Error is { } error)
        {
            throw BuildError(error, context.BaseImage, reference);
        }
    }

    private DockerEngineException BuildError(string error, string baseImage, string reference)
    {
        if (error.Contains("pull access denied", StringComparison.OrdinalIgnoreCase) ||
            error.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase) ||
            error.Contains("not found", StringComparison.OrdinalIgnoreCase) && error.Contains(baseImage.Split(':')[0], StringComparison.OrdinalIgnoreCase))
        {
            return new DockerEngineException(
                $"Could not build image {reference}: base image '{baseImage}' is not available ({error}). " +
                "Pull it, build a local one (eng/docker/build-base-image.sh), or configure another base image.");
        }

        return engine.Explain(error, $"build image {reference}");
    }

    private async Task PushAsync(string reference, ContainerRegistry registry, CancellationToken cancellationToken)
    {
        var separator = reference.LastIndexOf(':');
        var progress = new MessageCollector(line => log("  " + line));
        try
        {
            await engine.Client.Images.PushImageAsync(reference[..separator], new ImagePushParameters { Tag = reference[(separator + 1)..] },
                Auth(registry), progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw engine.Explain(e, $"push image {reference} to {registry.Server}");
        }

        if (progress.Error is { } error)
        {
            throw engine.Explain(error, $"push image {reference} to {registry.Server}");
        }
    }

    private async Task PullAsync(string reference, ContainerRegistry registry, CancellationToken cancellationToken)
    {
        var separator = reference.LastIndexOf(':');
        var progress = new MessageCollector(line => log("  " + line));
        try
        {
            await engine.Client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = reference[..separator], Tag = reference[(separator + 1)..], Platform = Platform },
                Auth(registry), progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw engine.Explain(e, $"pull image {reference} from {registry.Server}");
        }

        if (progress.Error is { } error)
        {
            throw engine.Explain(error, $"pull image {reference} from {registry.Server}");
        }
    }

    private async Task CheckPlatformAsync(string reference, CancellationToken cancellationToken)
    {
        var image = await engine.Client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
        if (image.Os != "linux" || image.Architecture != "amd64")
        {
            throw new DockerEngineException(
                $"Image {reference} is {image.Os}/{image.Architecture}, but steps need linux/amd64 (Modal runs only amd64 images). " +
                "Use an amd64 base image and rebuild with build reuse prevented.");
        }
    }

    private static AuthConfig Auth(ContainerRegistry registry) => new()
    {
        ServerAddress = registry.Server,
        Username = registry.Username,
        Password = registry.Password,
    };

    /// <summary>Turns the engine's JSON progress messages into readable lines, keeping the first error.</summary>
    private sealed class MessageCollector(Action<string> line) : IProgress<JSONMessage>
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public string? Error { get; private set; }

        public void Report(JSONMessage value)
        {
            if (value.Error?.Message is { Length: > 0 } error)
            {
                Error ??= error;
                return;
            }

            var text = value.Stream?.TrimEnd('\n', '\r');
            if (string.IsNullOrWhiteSpace(text) && value.Status is { Length: > 0 } status)
            {
                // Push and pull report per layer; skip byte-level progress, keep state changes.
                if (value.Progress is not null && status is "Pushing" or "Downloading" or "Extracting")
                {
                    return;
                }

                text = string.IsNullOrEmpty(value.ID) ? status : $"{value.ID}: {status}";
            }

            if (!string.IsNullOrWhiteSpace(text) && _seen.Add(text))
            {
                line(text);
            }
        }
    }
}
