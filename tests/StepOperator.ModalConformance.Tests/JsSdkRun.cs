using System.Diagnostics;
using System.Text.Json;

namespace StepOperator.ModalConformance.Tests;

/// <summary>
/// tests/modal-conformance/conformance.mjs run with Node.js: Modal's JS SDK (installed by <c>npm ci</c>
/// from the lockfile when node_modules is missing) against a Modal server.
/// </summary>
internal static class JsSdkRun
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>What the script printed and how it ended.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr, JsonElement? Summary)
    {
        public string Describe() => $"node conformance.mjs exited {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>Runs <c>npm ci</c> in tests/modal-conformance unless node_modules is there.</summary>
    public static async Task InstallAsync(TimeSpan timeout)
    {
        await InstallGate.WaitAsync();
        try
        {
            var directory = ConformanceEnvironment.ScriptDirectory;
            if (Directory.Exists(Path.Combine(directory, "node_modules", "modal")))
            {
                return;
            }

            var (exitCode, stdout, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, new Dictionary<string, string?>(), timeout);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"'npm ci' in {directory} failed ({exitCode}):\n{stdout}\n{stderr}");
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Runs the script with <paramref name="environment"/> on top of a copy of this process's environment without its MODAL_* variables.</summary>
    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var (exitCode, stdout, stderr) = await RunAsync("node", ["conformance.mjs"], ConformanceEnvironment.ScriptDirectory, environment, timeout);
        JsonElement? summary = null;
        try
        {
            using var document = JsonDocument.Parse(stdout);
            summary = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Reported through Describe(): the script printed something else.
        }

        return new Result(exitCode, stdout, stderr, summary);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string program, string[] arguments, string directory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The SDK reads MODAL_* (token, server, environment, profile, image builder version): only ours count.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MODAL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await stdout, $"{await stderr}\n{program} {string.Join(' ', arguments)} was killed after {timeout.TotalSeconds:0}s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
