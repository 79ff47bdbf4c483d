using System;
using System.Collections.Generic;
using System.Linq;
using Grpc.Core;
using StepOperator.ModalEmulator.Images;
using StepOperator.ModalEmulator.Objects;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>
/// Checks a SandboxCreate or SandboxCreateV2 before anything is created, as Modal's server does:
/// resources (INVALID_ARGUMENT), then the image (INVALID_ARGUMENT when unknown or failed), then the
/// app and the secrets (NOT_FOUND). A V2 sandbox also takes environment variables inline, and no GPU.
/// </summary>
internal sealed class SandboxRequestValidator(AppRegistry apps, SecretStore secrets, ImageBuilder images)
{
    public const uint DefaultMilliCpu = 125;
    public const uint DefaultMemoryMb = 128;
    public const uint DefaultTimeoutSecs = 300;
    public const uint MaxTimeoutSecs = 24 * 60 * 60;

    public SandboxSpec Validate(SandboxCreateRequest request) =>
        Validate(request.AppId, request.Definition, request.Tags, []);

    /// <summary>
    /// A SandboxCreateV2: like SandboxCreate, plus the environment given inline, in this order (later values
    /// win): definition.secret_ids, <paramref name="sources"/> (npm modal 0.11.1's secret_sources: secret ids
    /// and inline maps), ephemeral_secrets (api.proto @69519ae; the Python SDK's env). V2 sandboxes have no
    /// GPUs (npm modal 0.11.1 experimentalCreate refuses them: "GPUs are not supported by experimentalCreate").
    /// </summary>
    public SandboxSpec ValidateV2(SandboxCreateV2Request request, IReadOnlyList<EnvironmentSource> sources)
    {
        if (request.Definition?.Resources?.GpuConfig is { } gpu && (gpu.GpuType.Length > 0 || gpu.Count > 0))
        {
            throw Invalid($"V2 sandboxes (SandboxCreateV2) have no GPUs, but gpu_config asks for {gpu.GpuType}:{gpu.Count}; create a sandbox with a GPU with SandboxCreate.");
        }

        var all = sources.ToList();
        if (request.EphemeralSecrets is { } inline)
        {
            all.Add(new EnvironmentSource(null, new Dictionary<string, string>(inline.Contents)));
        }

        return Validate(request.AppId, request.Definition, request.Tags, all);
    }

    private SandboxSpec Validate(string appId, Sandbox? definition, IEnumerable<SandboxTag> requestTags, IReadOnlyList<EnvironmentSource> sources)
    {
        if (definition is null)
        {
            throw Invalid("definition is required.");
        }

        var resources = definition.Resources ?? new Resources();
        var (gpuType, gpuCount) = CheckGpu(resources.GpuConfig);
        CheckLimits(resources);
        if (definition.TimeoutSecs > MaxTimeoutSecs)
        {
            throw Invalid($"timeout_secs {definition.TimeoutSecs} is over Modal's maximum of {MaxTimeoutSecs} (24 hours).");
        }

        var image = CheckImage(definition.ImageId);
        if (string.IsNullOrEmpty(appId) || !apps.Exists(appId))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"App '{appId}' not found."));
        }

        // Later secrets win, as when Modal layers them into one environment.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in definition.SecretIds.Select(id => new EnvironmentSource(id, null)).Concat(sources))
        {
            var values = source.SecretId is { } secretId
                ? secrets.Find(secretId) ?? throw new RpcException(new Status(StatusCode.NotFound, $"Secret '{secretId}' not found."))
                : source.Values ?? new Dictionary<string, string>();
            foreach (var (name, value) in values)
            {
                environment[name] = value;
            }
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in requestTags)
        {
            tags[tag.TagName] = tag.TagValue;
        }

        return new SandboxSpec(
            image,
            definition.EntrypointArgs.ToArray(),
            environment,
            definition.HasWorkdir && definition.Workdir.Length > 0 ? definition.Workdir : null,
            resources.MilliCpu > 0 ? resources.MilliCpu : DefaultMilliCpu,
            resources.MilliCpuMax,
            resources.MemoryMb > 0 ? resources.MemoryMb : DefaultMemoryMb,
            resources.MemoryMbMax,
            gpuType,
            gpuCount,
            TimeSpan.FromSeconds(definition.TimeoutSecs > 0 ? definition.TimeoutSecs : DefaultTimeoutSecs),
            tags);
    }

    private static (string? Type, uint Count) CheckGpu(GPUConfig? gpu)
    {
        if (gpu is null || gpu.GpuType.Length == 0 && gpu.Count == 0)
        {
            return (null, 0);
        }

        if (gpu.GpuType.Length == 0)
        {
            throw Invalid($"gpu_config.count is {gpu.Count} but gpu_config.gpu_type is empty.");
        }

        var max = GpuCatalog.MaxCount(gpu.GpuType)
            ?? throw Invalid($"Unknown GPU type '{gpu.GpuType}'. Modal's GPU types: {string.Join(", ", GpuCatalog.Types)}.");

        // A type without a count is one GPU, as in Modal's own "A100" shorthand.
        var count = gpu.Count == 0 ? 1 : gpu.Count;
        if (count > max)
        {
            throw Invalid($"GPU count {count} for {gpu.GpuType.ToUpperInvariant()} is over the maximum of {max} per container.");
        }

        return (gpu.GpuType.ToUpperInvariant(), count);
    }

    private static void CheckLimits(Resources resources)
    {
        if (resources.MemoryMbMax > 0 && resources.MemoryMb == 0)
        {
            throw Invalid($"memory_mb is 0 with memory_mb_max {resources.MemoryMbMax}: a memory limit needs a memory request greater than 0.");
        }

        if (resources.MemoryMbMax > 0 && resources.MemoryMbMax < resources.MemoryMb)
        {
            throw Invalid($"memory_mb_max {resources.MemoryMbMax} is below memory_mb {resources.MemoryMb}.");
        }

        if (resources.MilliCpuMax > 0 && resources.MilliCpuMax < Math.Max(resources.MilliCpu, 1))
        {
            throw Invalid($"milli_cpu_max {resources.MilliCpuMax} is below milli_cpu {resources.MilliCpu}.");
        }
    }

    private ImageBuild CheckImage(string imageId)
    {
        var image = images.Find(imageId) ?? throw Invalid($"Image '{imageId}' not found.");
        if (image.FailureReason is { } reason)
        {
            throw Invalid($"Image '{imageId}' failed to build: {reason}");
        }

        return image;
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}

/// <summary>Where some of a sandbox's environment comes from: a secret by id, or values given inline.</summary>
internal sealed record EnvironmentSource(string? SecretId, IReadOnlyDictionary<string, string>? Values);
