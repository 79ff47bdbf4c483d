using System.Diagnostics;
using System.Text;
using StepOperator.Runs;

namespace StepOperator.EndToEnd.Tests;

/// <summary>Runs the StepOperator.TestPipelines program as a user would, in a home folder of its own.</summary>
public sealed class TestProgram : IDisposable
{
    public string Home { get; } = Directory.CreateTempSubdirectory("stepoperator-e2e-").FullName;

    private string _assembly;

    /// <summary>The program's main assembly (its folder is the program's build output).</summary>
    public string AssemblyPath => _assembly;

    public TestProgram(string project = "StepOperator.TestPipelines", string folder = "tests")
    {
        _assembly = FindAssembly(project, folder);

        // Registrations go to a file of this test's own, never the user's.
        Environment["STEPOPERATOR_CONFIG"] = ConfigFile;
    }

    /// <summary>Runs another build of the program (same home, so runs share the cache).</summary>
    public void UseAssembly(string assemblyPath) => _assembly = assemblyPath;

    /// <summary>The user-level configuration file the program's registration commands write.</summary>
    public string ConfigFile => Path.Combine(Home, "config", "config.json");

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    /// <summary>Variables the program gets (StepOperator's own are otherwise cleared, so tests do not inherit them).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    /// <summary>
    /// Processes still running with <c>STEPOPERATOR_TEST_MARK=mark</c> in their environment, after giving any that are
    /// ending a few seconds to go.
    /// </summary>
    public static async Task<IReadOnlyList<int>> ProcessesMarkedAsync(string mark)
    {
        var needle = "STEPOPERATOR_TEST_MARK=" + mark;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var marked = new List<int>();
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(folder), out var id) && EnvironmentOf(folder).Contains(needle, StringComparison.Ordinal))
                {
                    marked.Add(id);
                }
            }

            if (marked.Count == 0 || DateTime.UtcNow > deadline)
            {
                return marked;
            }

            await Task.Delay(100);
        }
    }

    private static string EnvironmentOf(string processFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(processFolder, "environ"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty; // ended meanwhile, or not ours to read
        }
    }

    public Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("STEPOPERATOR_", StringComparison.Ordinal) || k is "DOCKER_HOST").ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(_assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--home");
        start.ArgumentList.Add(Home);
        return Process.Start(start)!;
    }

    public async Task<Result> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The test program did not finish: {await output}\n{await error}");
        }

        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Reads a started program's standard output until a line matches; returns everything read so far and
    /// the matching line (null when the output ended first).
    /// </summary>
    public static async Task<(string Seen, string? Match)> ReadUntilAsync(Process process, Func<string, bool> matches)
    {
        var seen = new StringBuilder();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            seen.AppendLine(line);
            if (matches(line))
            {
                return (seen.ToString(), line);
            }
        }

        return (seen.ToString(), null);
    }

    /// <summary>The single run recorded in this home folder.</summary>
    internal RunRecord OnlyRun() => Assert.Single(Runs());

    /// <summary>Every run recorded in this home folder, oldest first (the runs folder also holds the cache).</summary>
    internal IReadOnlyList<RunRecord> Runs() =>
        Directory.GetDirectories(Path.Combine(Home, "runs"))
            .Where(directory => File.Exists(Path.Combine(directory, "run.json")))
            .Select(directory => RunRecord.Load(Path.Combine(directory, "run.json")))
            .OrderBy(run => run.StartedAt)
            .ToList();

    public string ArtifactPath(string key) => Path.Combine(Home, "runs", key);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindAssembly(string project, string folder)
    {
        // tests/StepOperator.EndToEnd.Tests/bin/<Configuration>/net10.0/ → the program's own output folder.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = here.Parent!.Name;
        var repository = here.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(repository, folder, project, "bin", configuration, here.Name, project + ".dll");
        Assert.True(File.Exists(path), $"The test program was not built: {path}");
        return path;
    }
}
