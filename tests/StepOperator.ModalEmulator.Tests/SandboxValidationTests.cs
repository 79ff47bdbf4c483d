using Grpc.Core;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>SandboxCreate refuses invalid requests before anything is created (no Docker needed).</summary>
public sealed class SandboxValidationTests
{
    public static TheoryData<string, uint, uint, uint, uint, string> InvalidResources => new()
    {
        // gpu type, gpu count, memory_mb, memory_mb_max, timeout_secs, what the message names
        { "X100", 1, 0, 0, 60, "Unknown GPU type 'X100'" },
        { "A100", 9, 0, 0, 60, "maximum of 8" },
        { "H100", 9, 0, 0, 60, "maximum of 8" },
        { "A10G", 5, 0, 0, 60, "maximum of 4" },
        { "A10", 5, 0, 0, 60, "maximum of 4" },
        { "", 2, 0, 0, 60, "gpu_type is empty" },
        { "", 0, 0, 1024, 60, "memory_mb is 0" },
        { "", 0, 2048, 1024, 60, "below memory_mb" },
        { "", 0, 0, 0, 86401, "timeout_secs" },
    };

    [Theory]
    [MemberData(nameof(InvalidResources))]
    public async Task Invalid_resources_are_INVALID_ARGUMENT(string gpuType, uint gpuCount, uint memoryMb, uint memoryMbMax, uint timeoutSecs, string message)
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var appId = await client.AppAsync();
        var request = new SandboxCreateRequest
        {
            AppId = appId,
            Definition = new Sandbox
            {
                ImageId = "im-000000000000000000000",
                EntrypointArgs = { "true" },
                TimeoutSecs = timeoutSecs,
                Resources = new Resources
                {
                    MemoryMb = memoryMb,
                    MemoryMbMax = memoryMbMax,
                    MilliCpu = 1000,
                    GpuConfig = new GPUConfig { GpuType = gpuType, Count = gpuCount },
                },
            },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxCreateAsync(request, client.Call()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(message, error.Status.Detail);
        Assert.Empty(modal.Sandboxes);
    }

    [Fact]
    public async Task An_unknown_image_or_one_that_failed_to_build_is_INVALID_ARGUMENT()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var appId = await client.AppAsync();

        // AWS credentials are not something the emulator can pull with: the build fails at once.
        var failed = await client.Raw.ImageGetOrCreateAsync(new ImageGetOrCreateRequest
        {
            AppId = appId,
            Image = new Image
            {
                DockerfileCommands = { "FROM 123456789.dkr.ecr.us-east-1.amazonaws.com/app:1" },
                ImageRegistryConfig = new ImageRegistryConfig { RegistryAuthType = RegistryAuthType.Aws, SecretId = await client.SecretAsync(new Dictionary<string, string>()) },
            },
        }, client.Call());
        var (result, _, _) = await client.JoinImageAsync(failed.ImageId);
        Assert.Equal(GenericResult.Types.GenericStatus.Failure, result.Status);

        foreach (var (imageId, message) in new[] { ("im-000000000000000000000", "not found"), (failed.ImageId, "failed to build") })
        {
            var request = new SandboxCreateRequest { AppId = appId, Definition = new Sandbox { ImageId = imageId, EntrypointArgs = { "true" } } };
            var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxCreateAsync(request, client.Call()).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains(message, error.Status.Detail);
        }

        Assert.Empty(modal.Sandboxes);
    }
}
