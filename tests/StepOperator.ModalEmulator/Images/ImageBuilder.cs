using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Grpc.Core;
using Status = Grpc.Core.Status;
using StepOperator.ModalEmulator.Common;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Objects;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Images;

/// <summary>
/// ImageGetOrCreate for registry images ("FROM &lt;tag&gt;"): the build is a pull through the Docker
/// engine with the registry credentials of the request, running in the background while clients
/// follow its log (ImageJoinStreaming). An identical request gets the same image unless that build
/// failed or force_build is set.
/// </summary>
internal sealed class ImageBuilder(DockerClient docker, SecretStore secrets, EmulatorFaults faults, Action<string> log, CancellationToken stopping)
{
    private const string UsernameKey = "REGISTRY_USERNAME";
    private const string PasswordKey = "REGISTRY_PASSWORD";

    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, ImageBuild> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<ImageBuildKey, ImageBuild> _byKey = new();

    public ImageBuild? Find(string imageId) => _byId.GetValueOrDefault(imageId);

    public ImageBuild GetOrCreate(ImageGetOrCreateRequest request)
    {
        var reference = FromCommand(request.Image);
        var key = KeyFor(reference, request.Image.ImageRegistryConfig);
        ImageBuild build;
        lock (_gate)
        {
            if (!request.ForceBuild && _byKey.TryGetValue(key, out var existing) && !existing.Failed)
            {
                return existing;
            }

            build = new ImageBuild(Ids.New(Ids.Image), key, reference);
            _byId[build.Id] = build;
            _byKey[key] = build;
        }

        var injectedFailure = faults.TakeImageBuildFailure();
        _ = Task.Run(() => BuildAsync(build, injectedFailure), CancellationToken.None);
        return build;
    }

    private static ImageReference FromCommand(Image? image)
    {
        if (image is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "image is required."));
        }

        var commands = image.DockerfileCommands.Where(c => !string.IsNullOrWhiteSpace(c)).ToArray();
        var words = commands.Length == 1 ? commands[0].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [];
        if (image.BaseImages.Count > 0 || words.Length != 2 || !words[0].Equals("FROM", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                "The Modal emulator builds only registry images: dockerfile_commands must be exactly [\"FROM <tag>\"] without base_images " +
                $"(got [{string.Join(", ", image.DockerfileCommands.Select(c => "\"" + c + "\""))}])."));
        }

        if (!ImageReference.TryParse(words[1], out var reference))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"'{words[1]}' is not an image reference."));
        }

        return reference;
    }

    private ImageBuildKey KeyFor(ImageReference reference, ImageRegistryConfig? config)
    {
        var authType = config?.RegistryAuthType ?? RegistryAuthType.Unspecified;
        switch (authType)
        {
            case RegistryAuthType.Unspecified or RegistryAuthType.Public:
                return new ImageBuildKey(reference.Reference, authType, null, null);
            case RegistryAuthType.StaticCreds:
                if (string.IsNullOrEmpty(config!.SecretId))
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "REGISTRY_AUTH_TYPE_STATIC_CREDS needs image_registry_config.secret_id."));
                }

                var values = secrets.Find(config.SecretId)
                    ?? throw new RpcException(new Status(StatusCode.NotFound, $"Secret {config.SecretId} not found."));
                if (!values.TryGetValue(UsernameKey, out var username) || !values.TryGetValue(PasswordKey, out var password))
                {
                    // Modal reports this when the build runs, so it is a build failure here too.
                    return new ImageBuildKey(reference.Reference, authType, null,
                        $"Secret {config.SecretId} must contain {UsernameKey} and {PasswordKey} to pull {reference.Reference}.");
                }

                return new ImageBuildKey(reference.Reference, authType, new RegistryCredentials(username, password), null);
            default:
                return new ImageBuildKey(reference.Reference, authType, null,
                    $"The Modal emulator cannot pull with {authType} registry credentials; use REGISTRY_AUTH_TYPE_STATIC_CREDS.");
        }
    }

    private async Task BuildAsync(ImageBuild build, string? injectedFailure)
    {
        var reference = build.Reference;
        try
        {
            if (build.Key.CredentialProblem is { } problem)
            {
                build.Fail(problem);
                return;
            }

            if (faults.ImageBuildDelay is { } delay && delay > TimeSpan.Zero)
            {
                build.Logs.Append(FileDescriptor.Info, $"Build delayed by {delay.TotalSeconds:0.###}s (injected fault)\n");
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }

            build.Logs.Append(FileDescriptor.Stdout, $"Pulling {reference.Reference}\n");
            if (injectedFailure is not null)
            {
                build.Fail($"Image build for {reference.Reference} failed: {injectedFailure} (injected fault)");
                return;
            }

            if (build.Key.Credentials is null && reference.IsDockerHub && await ExistsLocallyAsync(reference.Reference).ConfigureAwait(false))
            {
                // No Docker Hub here: an anonymous image the engine already has is used as it is.
                build.Logs.Append(FileDescriptor.Stdout, $"Using the engine's local copy of {reference.Reference}\n");
            }
            else if (await PullAsync(build).ConfigureAwait(false) is { } error)
            {
                var how = build.Key.Credentials is null ? "anonymously" : $"as {build.Key.Credentials.Username}";
                build.Fail($"Failed to pull {reference.Reference} {how}: {error}");
                return;
            }

            var image = await docker.Images.InspectImageAsync(reference.Reference, stopping).ConfigureAwait(false);
            build.Logs.Append(FileDescriptor.Stdout, $"Image {reference.Reference} is {image.ID}\n");
            build.Succeed(image.ID, image.Config?.WorkingDir);
            log($"image {build.Id}: {reference.Reference} ready ({image.ID})");
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            build.Fail("The Modal emulator stopped during the build.");
        }
        catch (Exception e)
        {
            build.Fail($"Could not build {reference.Reference}: {DockerErrors.Describe(e)}");
        }
        finally
        {
            if (build.Failed)
            {
                log($"image {build.Id}: {build.FailureReason}");
            }
        }
    }

    /// <summary>Pulls the image, its progress into the build log; the engine's error, or null.</summary>
    private async Task<string?> PullAsync(ImageBuild build)
    {
        var reference = build.Reference;
        var credentials = build.Key.Credentials;
        var auth = credentials is null
            ? new AuthConfig()
            : new AuthConfig { ServerAddress = reference.AuthServerAddress, Username = credentials.Username, Password = credentials.Password };
        var progress = new PullProgress(build.Logs);
        var parameters = reference.Digest is null
            ? new ImagesCreateParameters { FromImage = reference.Repository, Tag = reference.Tag }
            : new ImagesCreateParameters { FromImage = reference.Reference };
        try
        {
            await docker.Images.CreateImageAsync(parameters, auth, progress, stopping).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            return DockerErrors.Describe(e);
        }

        return progress.Error;
    }

    private async Task<bool> ExistsLocallyAsync(string reference)
    {
        try
        {
            await docker.Images.InspectImageAsync(reference, stopping).ConfigureAwait(false);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The engine's pull progress as build log lines: state changes per layer, not byte counts.</summary>
    private sealed class PullProgress(LogJournal logs) : IProgress<JSONMessage>
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public string? Error { get; private set; }

        public void Report(JSONMessage value)
        {
            if (value.Error?.Message is { Length: > 0 } error)
            {
                Error ??= error;
                logs.Append(FileDescriptor.Stderr, error + "\n");
                return;
            }

            if (value.Status is not { Length: > 0 } status || value.Progress is not null && status is "Downloading" or "Extracting")
            {
                return;
            }

            var line = string.IsNullOrEmpty(value.ID) ? status : $"{value.ID}: {status}";
            if (_seen.Add(line))
            {
                logs.Append(FileDescriptor.Stdout, line + "\n");
            }
        }
    }
}
