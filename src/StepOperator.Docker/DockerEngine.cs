using System;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using StepOperator.Stacks;

namespace StepOperator.Docker;

/// <summary>
/// Connects to the Docker engine (DOCKER_HOST, else the default socket) and turns the engine's
/// failures into errors that say what to do.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    private DockerEngine(DockerClient client, string endpoint)
    {
        Client = client;
        Endpoint = endpoint;
    }

    internal DockerClient Client { get; }

    public string Endpoint { get; }

    /// <summary>Connects and checks the engine answers; a missing engine is a <see cref="DockerEngineException"/>.</summary>
    public static async Task<DockerEngine> ConnectAsync(CancellationToken cancellationToken)
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var builder = new DockerClientBuilder();
        if (!string.IsNullOrEmpty(host))
        {
            builder.WithEndpoint(new Uri(host));
        }

        var endpoint = string.IsNullOrEmpty(host) ? "unix:///var/run/docker.sock" : host;
        var client = builder.Build();
        var engine = new DockerEngine(client, endpoint);
        try
        {
            await client.System.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            engine.Dispose();
            throw engine.Explain(e, "connect to the Docker engine");
        }

        return engine;
    }

    /// <summary>An engine failure, explained: unreachable engine, full disk, missing image, or the engine's own words.</summary>
    internal DockerEngineException Explain(Exception error, string operation) => Explain(error.Message, operation, error);

    internal DockerEngineException Explain(string message, string operation, Exception? inner = null) =>
        Explain(Endpoint, message, operation, inner);

    /// <summary>Explains an engine failure at <paramref name="endpoint"/>: what happened and what to do.</summary>
    internal static DockerEngineException Explain(string endpoint, string message, string operation, Exception? inner = null)
    {
        if (inner is HttpRequestException or SocketException or TimeoutException ||
            inner?.InnerException is SocketException or HttpRequestException ||
            message.Contains("Connection refused", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("No such file or directory", StringComparison.OrdinalIgnoreCase) && inner is not DockerApiException)
        {
            return new DockerEngineException(
                $"Could not {operation}: the Docker engine at {endpoint} is not reachable ({message}). " +
                "Start it (for example 'sudo systemctl start docker', or run 'dockerd' as root) or set DOCKER_HOST to a running engine.", inner);
        }

        if (message.Contains("no space left on device", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerEngineException(
                $"Could not {operation}: the Docker engine ran out of disk space ({message}). " +
                "Free space, for example with 'docker system prune', then run again.", inner);
        }

        return new DockerEngineException($"Could not {operation}: {message}", inner);
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>A Docker engine failure with what to do about it.</summary>
public sealed class DockerEngineException(string message, Exception? inner = null) : BackendUnavailableException(message, inner);
