namespace StepOperator.Testing;

/// <summary>Where the repository is, found from the test binaries (CI maps source paths, so no CallerFilePath).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StepOperator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No StepOperator.sln above {AppContext.BaseDirectory}.");
    }
}
