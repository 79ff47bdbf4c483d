using StepOperator.Hosting;

namespace StepOperator.Testing;

/// <summary>
/// The program's command line run in-process, as <c>dotnet run -- ...</c> runs it, against a user-level file, a
/// project folder (its stepoperator.json) and a home of its own, never the machine's.
/// </summary>
internal sealed class InProcessHost : IDisposable
{
    public InProcessHost(string programName = "testprogram")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(UserFile)!);
        Directory.CreateDirectory(ProjectDirectory);
        Context = new HostContext(UserFile, ProjectDirectory, programName, Path.Combine(Root, "home"));
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("stepoperator-host-").FullName;

    public string UserFile => Path.Combine(Root, "config", "config.json");

    public string ProjectDirectory => Path.Combine(Root, "project");

    public string ProjectFile => Path.Combine(ProjectDirectory, "stepoperator.json");

    public HostContext Context { get; }

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public async Task<Result> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await StepOperatorHost.RunAsync(args, output, error, Context);
        return new Result(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
