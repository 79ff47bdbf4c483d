using System.Net.Sockets;
using System.Text;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// A Unix socket in front of the Docker engine's, for injecting engine faults: it passes everything
/// through, except that it holds back the engine's answer to a container create (the container
/// exists, the client does not know it yet) for <see cref="CreateAnswerDelay"/>.
/// Point a program at it with DOCKER_HOST=<see cref="Host"/>.
/// </summary>
internal sealed class DockerEngineProxy : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _upstream;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = new();
    private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;

    private DockerEngineProxy(string upstream, TimeSpan createAnswerDelay)
    {
        _upstream = upstream;
        CreateAnswerDelay = createAnswerDelay;
        _directory = Directory.CreateTempSubdirectory("stepoperator-engine-proxy-").FullName;
        SocketPath = Path.Combine(_directory, "docker.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(64);
        _accepting = AcceptAsync();
    }

    public string SocketPath { get; }

    public string Host => "unix://" + SocketPath;

    public TimeSpan CreateAnswerDelay { get; }

    /// <summary>Completes when the engine has answered a container create (and the proxy holds the answer back).</summary>
    public Task ContainerCreated => _created.Task;

    public static DockerEngineProxy Start(TimeSpan createAnswerDelay)
    {
        var upstream = DockerTestEnvironment.EngineSocket;
        Assert.True(upstream is not null, $"The engine proxy needs a Unix socket engine (DOCKER_HOST={Environment.GetEnvironmentVariable("DOCKER_HOST")}).");
        return new DockerEngineProxy(upstream!, createAnswerDelay);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    /// <summary>One client connection: HTTP/1.1, one request at a time, so the answer after a create request is the create's.</summary>
    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        using var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await engine.ConnectAsync(new UnixDomainSocketEndPoint(_upstream), _stop.Token);
            var createPending = 0;
            var requests = PumpAsync(client, engine, chunk =>
            {
                if (Encoding.ASCII.GetString(chunk.Span).Contains("/containers/create", StringComparison.Ordinal))
                {
                    Interlocked.Exchange(ref createPending, 1);
                }

                return Task.CompletedTask;
            });
            var answers = PumpAsync(engine, client, async _ =>
            {
                if (Interlocked.Exchange(ref createPending, 0) == 1)
                {
                    _created.TrySetResult();
                    await Task.Delay(CreateAnswerDelay, _stop.Token);
                }
            });
            await Task.WhenAll(requests, answers);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Func<ReadOnlyMemory<byte>, Task> beforeForwarding)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                await beforeForwarding(buffer.AsMemory(0, read));
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            // The other side learns that this one has ended (and ends its own direction in turn).
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = _connections.ToArray();
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
