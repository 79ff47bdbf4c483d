using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace StepOperator.ModalConformance.Tests;

/// <summary>
/// A registry with htpasswd auth on a free loopback port (eng/docker/start-registry.sh) holding a
/// private image: the local base image pushed under a fresh tag, then untagged locally so that
/// importing it has to pull with the credentials (as in the emulator's own tests).
/// </summary>
public sealed class PrivateRegistry : IAsyncLifetime
{
    private string? _state;
    private DockerClient? _client;

    public string Address { get; private set; } = string.Empty;

    public string User { get; } = "conformance";

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");

    /// <summary>The pushed image, "127.0.0.1:PORT/modal-conformance/runtime:TAG".</summary>
    public string Image { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (ConformanceEnvironment.SkipReason is not null)
        {
            return;
        }

        _client = new DockerClientBuilder().Build();
        await Scripts.RunAsync("build-base-image.sh", ConformanceEnvironment.BaseImage); // does nothing when the image exists
        _state = Directory.CreateTempSubdirectory("modal-conformance-registry-").FullName;
        Address = (await Scripts.RunAsync("start-registry.sh", _state, User, Password, FreePort().ToString(CultureInfo.InvariantCulture))).Trim().Split('\n').Last();

        var repository = $"{Address}/modal-conformance/runtime";
        var tag = Guid.NewGuid().ToString("N")[..12];
        Image = $"{repository}:{tag}";
        await _client.Images.TagImageAsync(ConformanceEnvironment.BaseImage, new ImageTagParameters { RepositoryName = repository, Tag = tag });
        var errors = new List<string>();
        await _client.Images.PushImageAsync(repository, new ImagePushParameters { Tag = tag },
            new AuthConfig { ServerAddress = Address, Username = User, Password = Password },
            new Progress<JSONMessage>(m =>
            {
                if (m.Error?.Message is { Length: > 0 } e)
                {
                    lock (errors)
                    {
                        errors.Add(e);
                    }
                }
            }));
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Could not push {Image}: {string.Join("; ", errors)}");
        }

        await _client.Images.DeleteImageAsync(Image, new ImageDeleteParameters());
    }

    public async Task DisposeAsync()
    {
        if (_state is null || _client is null)
        {
            _client?.Dispose();
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
                // Already gone.
            }
        }

        // The emulators pulled the image into the engine under this registry's name.
        foreach (var image in await _client.Images.ListImagesAsync(new ImagesListParameters { All = true }))
        {
            foreach (var tag in image.RepoTags?.Where(t => t.StartsWith(Address + "/", StringComparison.Ordinal)) ?? [])
            {
                try
                {
                    await _client.Images.DeleteImageAsync(tag, new ImageDeleteParameters());
                }
                catch (DockerApiException)
                {
                }
            }
        }

        Directory.Delete(_state, recursive: true);
        _client.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Runs the repository's eng/docker scripts.</summary>
internal static class Scripts
{
    public static async Task<string> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepositoryPaths.Combine("eng", "docker", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/docker/{script} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }

        return await output;
    }
}
