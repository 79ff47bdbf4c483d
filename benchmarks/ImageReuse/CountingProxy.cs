using System.Net;
using System.Net.Sockets;

namespace StepOperator.Benchmarks.ImageReuse;

/// <summary>
/// A TCP relay in front of the registry that counts the bytes each way: everything the Docker engine
/// pushes and every check the program makes reaches the registry through it, so
/// <see cref="ToRegistry"/> is exactly what was sent to the registry (HTTP headers included).
/// </summary>
internal sealed class CountingProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private long _toRegistry;
    private long _fromRegistry;
    private long _connections;

    public CountingProxy(int targetPort)
    {
        _target = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long ToRegistry => Interlocked.Read(ref _toRegistry);

    public long FromRegistry => Interlocked.Read(ref _fromRegistry);

    public long Connections => Interlocked.Read(ref _connections);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var a = client.GetStream();
                var b = server.GetStream();
                var up = PumpAsync(a, b, up: true);
                var down = PumpAsync(b, a, up: false);
                await Task.WhenAny(up, down);
                client.Client.Shutdown(SocketShutdown.Both);
                server.Client.Shutdown(SocketShutdown.Both);
                await Task.WhenAll(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A connection that ends is not an error of the measurement.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool up)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                Interlocked.Add(ref up ? ref _toRegistry : ref _fromRegistry, read);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
