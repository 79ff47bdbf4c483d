using System.Diagnostics;
using System.Net;
using System.Text;

namespace StepOperator.Benchmarks.Support;

/// <summary>What a finished process printed, how it ended and how long it took (wall clock, from start to exit).</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs programs and scripts for the Docker and artifact-store benchmarks. Shared (linked) by them.</summary>
internal static class Shell
{
    /// <summary>Runs <paramref name="program"/> to its end; the environment is this process's, with <paramref name="environment"/> on top (a null value removes the variable).</summary>
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var output = new StringBuilder();
        var error = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            onLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (error)
                {
                    error.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(20));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}:\n{output}\n{error}");
        }

        clock.Stop();
        process.WaitForExit(); // the asynchronous readers have delivered everything
        return new ProcessResult(process.ExitCode, output.ToString(), error.ToString(), clock.Elapsed);
    }

    /// <summary>Runs a script of eng/ with bash; its output, or an exception with everything it printed.</summary>
    public static async Task<string> ScriptAsync(string relativePath, params string[] arguments)
    {
        var result = await RunAsync("bash", [Path.Combine(Results.RepositoryRoot, relativePath), .. arguments], timeout: TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{relativePath} failed: {result}");
        }

        return result.Output;
    }

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Ends a process this benchmark started (by its id), and its children.</summary>
    public static void Stop(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }
}
