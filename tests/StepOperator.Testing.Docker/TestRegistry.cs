using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace StepOperator.Testing;

/// <summary>
/// A registry with htpasswd auth on a free loopback port with a fresh password: Debian's
/// docker-registry started by eng/docker/start-registry.sh (the engine pushes to and pulls from
/// 127.0.0.1 over plain HTTP without configuration). Disposing stops it, removes its state and the
/// images the engine holds under its address.
/// </summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private readonly DockerClient _client;
    private readonly string _state;

    private TestRegistry(DockerClient client, string state, string address, string user, string password)
    {
        _client = client;
        _state = state;
        Address = address;
        User = user;
        Password = password;
    }

    /// <summary>"127.0.0.1:PORT".</summary>
    public string Address { get; }

    public string User { get; }

    public string Password { get; }

    /// <summary>Starts a registry for <paramref name="user"/>; <paramref name="client"/> (not owned) is the engine whose images it cleans up.</summary>
    public static async Task<TestRegistry> StartAsync(DockerClient client, string user, CancellationToken cancellationToken = default)
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var state = Directory.CreateTempSubdirectory("stepoperator-registry-").FullName;
        try
        {
            var printed = await DockerTestEngine.RunScriptAsync(
                "start-registry.sh", [state, user, password, FreePort().ToString(CultureInfo.InvariantCulture)], cancellationToken);
            return new TestRegistry(client, state, printed.Trim().Split('\n').Last(), user, password);
        }
        catch
        {
            await StopRegistryAsync(state);
            Directory.Delete(state, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Pushes the base image as "ADDRESS/<paramref name="repository"/>:TAG" (a fresh tag), then untags it
    /// locally, so that whoever imports it has to pull it with the credentials. Returns the image name.
    /// </summary>
    public async Task<string> PushPrivateImageAsync(string repository, CancellationToken cancellationToken = default)
    {
        var name = $"{Address}/{repository}";
        var tag = Guid.NewGuid().ToString("N")[..12];
        var image = $"{name}:{tag}";
        await _client.Images.TagImageAsync(DockerTestEnvironment.BaseImage, new ImageTagParameters { RepositoryName = name, Tag = tag }, cancellationToken);
        var errors = new List<string>();
        await _client.Images.PushImageAsync(name, new ImagePushParameters { Tag = tag },
            new AuthConfig { ServerAddress = Address, Username = User, Password = Password },
            new Progress<JSONMessage>(message =>
            {
                if (message.Error?.Message is { Length: > 0 } error)
                {
                    lock (errors)
                    {
                        errors.Add(error);
                    }
                }
            }),
            cancellationToken);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Could not push {image} to the test registry: {string.Join("; ", errors)}");
        }

        await _client.Images.DeleteImageAsync(image, new ImageDeleteParameters(), cancellationToken);
        return image;
    }

    public async ValueTask DisposeAsync()
    {
        await StopRegistryAsync(_state);
        await RemoveImagesAsync();
        Directory.Delete(_state, recursive: true);
    }

    /// <summary>
    /// The images tagged under this registry's address: removed whole (all their tags, forced), except
    /// one that is the base image itself (a pulled private image is), which only loses those tags.
    /// </summary>
    private async Task RemoveImagesAsync()
    {
        var images = await _client.Images.ListImagesAsync(new ImagesListParameters { All = true });
        var baseImageId = images.FirstOrDefault(image => image.RepoTags?.Contains(DockerTestEnvironment.BaseImage) == true)?.ID;
        foreach (var image in images)
        {
            var ours = image.RepoTags?.Where(tag => tag.StartsWith(Address + "/", StringComparison.Ordinal)).ToArray() ?? [];
            if (ours.Length == 0)
            {
                continue;
            }

            try
            {
                if (image.ID == baseImageId)
                {
                    foreach (var tag in ours)
                    {
                        await _client.Images.DeleteImageAsync(tag, new ImageDeleteParameters());
                    }
                }
                else
                {
                    await _client.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters { Force = true });
                }
            }
            catch (DockerApiException)
            {
                // In use or already gone: left to the engine.
            }
        }
    }

    private static async Task StopRegistryAsync(string state)
    {
        using var registry = RegistryProcess(state);
        if (registry is null)
        {
            return;
        }

        try
        {
            registry.Kill();
        }
        catch (InvalidOperationException)
        {
            return; // It ended in between.
        }

        await registry.WaitForExitAsync();
    }

    /// <summary>The registry start-registry.sh started (its pid is in registry.pid), if it still runs.</summary>
    private static Process? RegistryProcess(string state)
    {
        var pidFile = Path.Combine(state, "registry.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            return null;
        }

        try
        {
            return Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return null; // Already gone.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
