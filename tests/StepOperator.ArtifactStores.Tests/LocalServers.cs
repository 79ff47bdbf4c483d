using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace StepOperator.Testing;

/// <summary>
/// The local S3 and Azure Blob servers of eng/artifact-stores (s3rver and Azurite, pinned in its
/// package-lock.json), started through its scripts on free loopback ports with temporary data
/// directories. Shared by the artifact store tests and the memory benchmark (linked there).
/// </summary>
internal static class LocalServers
{
    /// <summary>s3rver's fixed credentials: it accepts requests signed with these only.</summary>
    public const string S3AccessKeyId = "S3RVER";

    public const string S3SecretAccessKey = "S3RVER";

    /// <summary>Azurite's development account, with the shared key Microsoft documents for it.</summary>
    public const string AzuriteAccount = "devstoreaccount1";

    public const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly object InstallLock = new();
    private static string? s_installError;
    private static bool s_installed;

    public static string ScriptsDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, "eng", "artifact-stores");

    /// <summary>
    /// Why the servers cannot run here (node or npm missing, <c>npm ci</c> failing), or null when
    /// they can. Runs <c>npm ci</c> in eng/artifact-stores the first time, when node_modules is missing.
    /// </summary>
    public static string? Prepare(string repositoryRoot)
    {
        lock (InstallLock)
        {
            if (!s_installed)
            {
                s_installError = Install(ScriptsDirectory(repositoryRoot));
                s_installed = true;
            }

            return s_installError;
        }
    }

    public static Task<LocalServer> StartS3rverAsync(string repositoryRoot) =>
        LocalServer.StartAsync(repositoryRoot, "s3rver", "start-s3rver.sh");

    public static Task<LocalServer> StartAzuriteAsync(string repositoryRoot) =>
        LocalServer.StartAsync(repositoryRoot, "azurite", "start-azurite.sh");

    private static string? Install(string directory)
    {
        var missing = new[] { "node", "npm" }.Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0)
        {
            return $"{string.Join(" and ", missing)} not found on PATH (Node.js 20 or later with npm is needed to run s3rver and Azurite)";
        }

        if (Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            return null;
        }

        var (exitCode, output) = Run(directory, TimeSpan.FromMinutes(10), "npm", "ci", "--no-audit", "--no-fund");
        return exitCode == 0
            ? null
            : $"'npm ci' in {directory} failed ({exitCode}): {string.Join("\n", output.Split('\n').TakeLast(15))}";
    }

    internal static (int ExitCode, string Output) Run(string directory, TimeSpan timeout, string program, params string[] arguments)
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

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, tool)));
}

/// <summary>One running server; disposing stops it and deletes its data directory.</summary>
internal sealed class LocalServer : IAsyncDisposable
{
    private LocalServer(string name, string address, string dataDirectory, int processId)
    {
        Name = name;
        Address = address;
        DataDirectory = dataDirectory;
        ProcessId = processId;
    }

    public string Name { get; }

    /// <summary>What the start script printed: the S3 endpoint, or Azurite's account endpoint.</summary>
    public string Address { get; }

    public string DataDirectory { get; }

    public int ProcessId { get; }

    /// <summary>Where the server's output goes.</summary>
    public string LogFile => Path.Combine(DataDirectory, Name + ".log");

    public static async Task<LocalServer> StartAsync(string repositoryRoot, string name, string script)
    {
        if (LocalServers.Prepare(repositoryRoot) is { } problem)
        {
            throw new InvalidOperationException($"{name} cannot run: {problem}.");
        }

        var data = Directory.CreateTempSubdirectory($"stepoperator-{name}-").FullName;
        try
        {
            var port = FreePort();
            var directory = LocalServers.ScriptsDirectory(repositoryRoot);
            var (exitCode, output) = await Task.Run(() =>
                LocalServers.Run(directory, TimeSpan.FromMinutes(1), "bash", Path.Combine(directory, script), data, port.ToString(CultureInfo.InvariantCulture)));
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"eng/artifact-stores/{script} failed ({exitCode}):\n{output}");
            }

            var address = output.Trim().Split('\n').Last().Trim();
            var processId = int.Parse(File.ReadAllText(Path.Combine(data, name + ".pid")).Trim(), CultureInfo.InvariantCulture);
            return new LocalServer(name, address, data, processId);
        }
        catch
        {
            Directory.Delete(data, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var process = Process.GetProcessById(ProcessId);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        catch (ArgumentException)
        {
            // Already gone.
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp directory is cleaned up eventually anyway.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
