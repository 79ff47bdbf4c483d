using System.Text.RegularExpressions;
using Grpc.Core;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Tests;

public sealed class ObjectTests
{
    [Fact]
    public async Task Ids_have_Modal_shapes()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        var appId = await client.AppAsync();
        var secretId = await client.SecretAsync(new Dictionary<string, string> { ["A"] = "1" });
        var image = await client.ImageAsync(appId, "127.0.0.1:1/never/pulled:1");

        Assert.Matches(IdShape("ap"), appId);
        Assert.Matches(IdShape("st"), secretId);
        Assert.Matches(IdShape("im"), image.ImageId);
    }

    [Fact]
    public async Task An_app_lookup_finds_only_created_apps_by_environment_and_name()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        AppGetOrCreateRequest Request(ObjectCreationType type, string environment = "") =>
            new() { AppName = "training", EnvironmentName = environment, ObjectCreationType = type };

        var missing = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(Request(ObjectCreationType.Unspecified), client.Call()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        var created = (await client.Raw.AppGetOrCreateAsync(Request(ObjectCreationType.CreateIfMissing), client.Call())).AppId;
        Assert.Equal(created, (await client.Raw.AppGetOrCreateAsync(Request(ObjectCreationType.Unspecified), client.Call())).AppId);
        Assert.Equal(created, (await client.Raw.AppGetOrCreateAsync(Request(ObjectCreationType.CreateIfMissing), client.Call())).AppId);
        Assert.Equal(created, (await client.Raw.AppGetOrCreateAsync(Request(ObjectCreationType.Unspecified, "main"), client.Call())).AppId);

        var elsewhere = (await client.Raw.AppGetOrCreateAsync(Request(ObjectCreationType.CreateIfMissing, "staging"), client.Call())).AppId;
        Assert.NotEqual(created, elsewhere);

        var exists = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(Request(ObjectCreationType.CreateFailIfExists), client.Call()).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, exists.StatusCode);
    }

    [Fact]
    public async Task EnvironmentGetOrCreate_reports_the_image_builder_version()
    {
        await using var modal = await ModalEmulator.StartAsync(new ModalEmulatorOptions { ImageBuilderVersion = "2024.10" });
        using var client = new EmulatorClient(modal);

        var response = await client.Raw.EnvironmentGetOrCreateAsync(new EnvironmentGetOrCreateRequest(), client.Call());

        Assert.Equal("2024.10", response.Metadata.Settings.ImageBuilderVersion);
        Assert.Equal("main", response.Metadata.Name);
        Assert.Matches(IdShape("en"), response.EnvironmentId);
    }

    [Fact]
    public async Task Each_ephemeral_secret_is_a_new_one()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var values = new Dictionary<string, string> { ["REGISTRY_USERNAME"] = "u", ["REGISTRY_PASSWORD"] = "p" };

        Assert.NotEqual(await client.SecretAsync(values), await client.SecretAsync(values));
    }

    private static Regex IdShape(string prefix) => new($"^{prefix}-[0-9A-Za-z]{{22}}$");
}
