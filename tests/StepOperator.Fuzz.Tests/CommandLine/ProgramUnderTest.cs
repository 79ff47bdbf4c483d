namespace StepOperator.Fuzz.CommandLine;

/// <summary>
/// The program's command line run in-process through its public entry point (<see cref="StepOperatorHost.RunAsync(string[], TextWriter, TextWriter)"/>,
/// what the generated Main calls), found where a program finds its configuration: the user-level file from
/// STEPOPERATOR_CONFIG, stepoperator.json in the working directory, runs under STEPOPERATOR_HOME. All three point into
/// a folder of its own while it lives, and are put back when it is disposed (only one may live at a time).
/// </summary>
internal sealed class ProgramUnderTest : IDisposable
{
    private static readonly string[] Variables = [StackConfigurationVariable, StepOperatorHost.HomeVariable, StepOperatorHost.StackVariable];

    private const string StackConfigurationVariable = "STEPOPERATOR_CONFIG";

    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly string _savedDirectory = Directory.GetCurrentDirectory();

    public ProgramUnderTest()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(UserFile)!);
        Directory.CreateDirectory(ProjectDirectory);
        Environment.SetEnvironmentVariable(StackConfigurationVariable, UserFile);
        Environment.SetEnvironmentVariable(StepOperatorHost.HomeVariable, Path.Combine(Root, "home"));
        Environment.SetEnvironmentVariable(StepOperatorHost.StackVariable, null);
        Directory.SetCurrentDirectory(ProjectDirectory);
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("stepoperator-fuzz-").FullName;

    public string UserFile => Path.Combine(Root, "config", "config.json");

    public string ProjectDirectory => Path.Combine(Root, "project");

    public string ProjectFile => Path.Combine(ProjectDirectory, "stepoperator.json");

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public async Task<Result> RunAsync(IReadOnlyList<string> args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await StepOperatorHost.RunAsync([.. args], output, error);
        return new Result(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        Directory.SetCurrentDirectory(_savedDirectory);
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

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
