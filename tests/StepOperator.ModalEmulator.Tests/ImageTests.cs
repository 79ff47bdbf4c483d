using Grpc.Core;
using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Tests;

public sealed class ImageTests(PrivateRegistryFixture registry, DockerEngineFixture docker) : IClassFixture<PrivateRegistryFixture>, IClassFixture<DockerEngineFixture>
{
    [RegistryFact]
    public async Task A_private_image_imports_with_the_registry_credentials_and_is_reused()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var appId = await client.AppAsync();

        var image = await client.ImageAsync(appId, registry.PrivateImage, registry.User, registry.Password);
        var (result, lines, _) = await client.JoinImageAsync(image.ImageId);

        Assert.Matches("^im-[0-9A-Za-z]{22}$", image.ImageId);
        Assert.True(result.Status == GenericStatus.Success, result.Exception);
        Assert.Contains(lines, l => l.Contains("Pulling " + registry.PrivateImage, StringComparison.Ordinal));
        await docker.Client.Images.InspectImageAsync(registry.PrivateImage); // the engine has it now

        // The same request again (new ephemeral secret, same credentials): the finished image, result present.
        var again = await client.ImageAsync(appId, registry.PrivateImage, registry.User, registry.Password);
        Assert.Equal(image.ImageId, again.ImageId);
        Assert.Equal(GenericStatus.Success, again.Result?.Status);
        Assert.Equal("2025.06", again.Metadata.ImageBuilderVersion);
    }

    [RegistryFact]
    public async Task Wrong_registry_credentials_make_the_build_fail_with_the_reason()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var appId = await client.AppAsync();

        var image = await client.ImageAsync(appId, registry.PrivateImage, registry.User, "wrong-password");
        var (result, lines, _) = await client.JoinImageAsync(image.ImageId);

        Assert.Equal(GenericStatus.Failure, result.Status);
        Assert.Contains("Failed to pull " + registry.PrivateImage, result.Exception);
        Assert.Contains(registry.User, result.Exception);
        Assert.Matches("(?i)unauthorized|authentication|credentials|denied", result.Exception);
        Assert.Contains(lines, l => l.Contains("Failed to pull", StringComparison.Ordinal));

        // A failed image is not reused: the right credentials then build a new one.
        var retried = await client.ImageAsync(appId, registry.PrivateImage, registry.User, registry.Password);
        Assert.NotEqual(image.ImageId, retried.ImageId);
        var create = new SandboxCreateRequest { AppId = appId, Definition = new Sandbox { ImageId = image.ImageId, EntrypointArgs = { "true" } } };
        var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxCreateAsync(create, client.Call()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [DockerFact]
    public async Task A_slow_build_has_no_result_and_its_stream_ends_with_eof_at_the_timeout_then_resumes_without_repeats()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var appId = await client.AppAsync();
        modal.Faults.SlowImageBuilds(TimeSpan.FromSeconds(2.5));

        var image = await client.ImageAsync(appId, DockerTestEnvironment.BaseImage);
        Assert.Null(image.Result); // ABSENT, not empty, while it builds

        // One stream with a 1 s timeout: some log, then eof without a result.
        var first = new List<ImageJoinStreamingResponse>();
        using (var call = client.Raw.ImageJoinStreaming(new ImageJoinStreamingRequest { ImageId = image.ImageId, Timeout = 1 }, client.Call()))
        {
            await foreach (var item in call.ResponseStream.ReadAllAsync())
            {
                first.Add(item);
            }
        }

        Assert.True(first[^1].Eof);
        Assert.All(first, item => Assert.Null(item.Result));
        var seen = first.SelectMany(i => i.TaskLogs).Select(l => l.Data).ToList();
        Assert.Contains(seen, l => l.Contains("delayed", StringComparison.Ordinal));

        // Resumed from the last entry id: the rest, nothing twice, then the result.
        var rest = new List<ImageJoinStreamingResponse>();
        using (var call = client.Raw.ImageJoinStreaming(new ImageJoinStreamingRequest { ImageId = image.ImageId, Timeout = 30, LastEntryId = first[^1].EntryId }, client.Call()))
        {
            await foreach (var item in call.ResponseStream.ReadAllAsync())
            {
                rest.Add(item);
            }
        }

        Assert.Equal(GenericStatus.Success, rest[^1].Result?.Status);
        var later = rest.SelectMany(i => i.TaskLogs).Select(l => l.Data).ToList();
        Assert.NotEmpty(later);
        Assert.Empty(later.Intersect(seen));
        Assert.Contains(later, l => l.Contains("Pulling " + DockerTestEnvironment.BaseImage, StringComparison.Ordinal));
    }
}
