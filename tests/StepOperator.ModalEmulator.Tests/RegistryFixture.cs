using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>
/// A registry with htpasswd auth on a free loopback port (eng/docker/start-registry.sh) holding a
/// private image: the base image pushed under a fresh tag, then untagged locally so that importing
/// it has to pull.
/// </summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private string? _state;

    public DockerClient Client { get; private set; } = null!;

    public string Registry { get; private set; } = string.Empty;

    public string User { get; } = "emulator-test";

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");

    /// <summary>The pushed image, "127.0.0.1:PORT/modal-emulator-test/runtime:TAG".</summary>
    public string PrivateImage { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (TestEnvironment.RegistrySkipReason is not null)
        {
            return;
        }

        Client = new DockerClientBuilder().Build();
        await Scripts.RunAsync("build-base-image.sh", TestEnvironment.BaseImage);
        _state = Directory.CreateTempSubdirectory("modal-emulator-registry-").FullName;
        Registry = (await Scripts.RunAsync("start-registry.sh", _state, User, Password, FreePort().ToString())).Trim().Split('\n').Last();

        var repository = $"{Registry}/modal-emulator-test/runtime";
        var tag = Guid.NewGuid().ToString("N")[..12];
        PrivateImage = $"{repository}:{tag}";
        await Client.Images.TagImageAsync(TestEnvironment.BaseImage, new ImageTagParameters { RepositoryName = repository, Tag = tag });
        var errors = new List<string>();
        await Client.Images.PushImageAsync(repository, new ImagePushParameters { Tag = tag },
            new AuthConfig { ServerAddress = Registry, Username = User, Password = Password },
            new Progress<JSONMessage>(m => { if (m.Error?.Message is { Length: > 0 } e) { lock (errors) { errors.Add(e); } } }));
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Could not push {PrivateImage}: {string.Join("; ", errors)}");
        }

        await Client.Images.DeleteImageAsync(PrivateImage, new ImageDeleteParameters());
    }

    public async Task DisposeAsync()
    {
        if (_state is null)
        {
            return;
        }

        var pidFile = Path.Combine(_state, "registry.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                using var registry = Process.GetProcessById(pid);
                registry.Kill();
                await registry.WaitForExitAsync();
            }
            catch (ArgumentException)
            {
            }
        }

        foreach (var image in await Client.Images.ListImagesAsync(new ImagesListParameters { All = true }))
        {
            foreach (var tag in image.RepoTags?.Where(t => t.StartsWith(Registry + "/", StringComparison.Ordinal)) ?? [])
            {
                try
                {
                    await Client.Images.DeleteImageAsync(tag, new ImageDeleteParameters());
                }
                catch (DockerApiException)
                {
                }
            }
        }

        Directory.Delete(_state, recursive: true);
        Client.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
