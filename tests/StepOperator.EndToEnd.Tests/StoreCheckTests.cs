using StepOperator.S3;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// A test with s3rver and Azurite (eng/artifact-stores): skipped with the reason where Node.js or <c>npm ci</c> is
/// missing, except in CI (CI=true), where it runs and fails.
/// </summary>
public sealed class StoreServersFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> SkipReason = new(() =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase) || LocalServers.Prepare(RepositoryPaths.Root) is not { } problem
            ? null
            : $"s3rver and Azurite from eng/artifact-stores cannot run here: {problem}.");

    public StoreServersFactAttribute()
    {
        if (SkipReason.Value is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// A run whose artifact store cannot be used stops before its first step with one line naming the store and the
/// fix, where each step used to fail with the service's whole answer.
/// </summary>
public class StoreCheckTests
{
    [StoreServersFact]
    public async Task A_wrong_azure_key_stops_the_run_before_any_step_with_one_line()
    {
        await using var azurite = await LocalServers.StartAzuriteAsync(RepositoryPaths.Root);
        using var program = new TestProgram();
        var result = await RunOnStoreAsync(program, "blobs",
            "--flavor=azure", "--container=stepoperator-runs", $"--endpoint={azurite.Address}",
            $"--account_name={LocalServers.AzuriteAccount}", "--account_key=" + Convert.ToBase64String(new byte[64]));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ProblemLines(result), l => l.Contains("refused the account key", StringComparison.Ordinal));
        Assert.Contains("Artifact store 'blobs' (azblob://stepoperator-runs?endpoint=", line);
        Assert.Contains("Fix: dotnet run -- artifact-store update blobs --account_name=<account> --account_key=<key of storage account 'devstoreaccount1'>", line);
        Assert.DoesNotContain("RequestId", result.Output + result.Error);
        Assert.DoesNotContain("<?xml", result.Output + result.Error);
        Assert.Empty(program.OnlyRun().Steps);
        Assert.True(Lines(result.Error).Count < 10, result.ToString());
    }

    [StoreServersFact]
    public async Task An_unreachable_s3_endpoint_stops_the_run_before_any_step_naming_the_store_and_the_setting()
    {
        using var program = new TestProgram();
        var result = await RunOnStoreAsync(program, "s3down",
            "--flavor=s3", "--bucket=ml-artifacts", "--endpoint=http://127.0.0.1:1",
            $"--access_key_id={LocalServers.S3AccessKeyId}", $"--secret_access_key={LocalServers.S3SecretAccessKey}");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ProblemLines(result), l => l.Contains("is not reachable", StringComparison.Ordinal));
        Assert.Contains("Artifact store 's3down' (s3://ml-artifacts?endpoint=http://127.0.0.1:1", line);
        Assert.Contains("is not reachable at http://127.0.0.1:1 (Connection refused", line);
        Assert.Contains("dotnet run -- artifact-store update s3down --endpoint=<url>", line);
        Assert.Empty(program.OnlyRun().Steps);
    }

    [StoreServersFact]
    public async Task A_missing_bucket_is_created_before_the_first_step_and_the_run_succeeds()
    {
        await using var s3 = await LocalServers.StartS3rverAsync(RepositoryPaths.Root);
        using var program = new TestProgram();
        var result = await RunOnStoreAsync(program, "fresh",
            "--flavor=s3", "--bucket=not-made-yet", $"--endpoint={s3.Address}",
            $"--access_key_id={LocalServers.S3AccessKeyId}", $"--secret_access_key={LocalServers.S3SecretAccessKey}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(Directory.Exists(Path.Combine(s3.DataDirectory, "storage", "not-made-yet")), result.ToString());
    }

    [StoreServersFact]
    public async Task A_bucket_name_s3_does_not_allow_stops_the_run_with_the_rule()
    {
        await using var s3 = await LocalServers.StartS3rverAsync(RepositoryPaths.Root);
        using var program = new TestProgram();

        // Registration refuses the name with S3's rule, and stores nothing.
        var registration = await program.RunAsync("artifact-store", "register", "short", "--flavor=s3", "--bucket=ml", $"--endpoint={s3.Address}");
        Assert.Equal(2, registration.ExitCode);
        Assert.Contains("setting 'bucket' is 'ml', which is not an S3 bucket name: it has 2 characters; a bucket name has 3 to 63", registration.Error);

        // A configuration written by hand reaches the run, whose store check stops it with the same rule.
        Directory.CreateDirectory(Path.GetDirectoryName(program.ConfigFile)!);
        File.WriteAllText(program.ConfigFile, $$"""
            {
              "ArtifactStores": { "short": { "Flavor": "s3", "Bucket": "ml", "Endpoint": "{{s3.Address}}", "AccessKeyId": "{{LocalServers.S3AccessKeyId}}", "SecretAccessKey": "{{LocalServers.S3SecretAccessKey}}" } },
              "Stacks": { "on-short": { "Orchestrator": "local", "StepOperator": "local", "ArtifactStore": "short" } }
            }
            """);
        var result = await program.RunAsync("Flow", "--stack", "on-short", "--no-color");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(ProblemLines(result), l => l.Contains("which S3 does not allow", StringComparison.Ordinal));
        Assert.Contains("Artifact store 'short' (s3://ml?", line);
        Assert.Contains("dotnet run -- artifact-store update short --bucket=<name>", line);
        Assert.Empty(program.OnlyRun().Steps);
    }

    /// <summary>Registers the store, a stack of it with the local operators, and runs pipeline Flow there.</summary>
    private static async Task<TestProgram.Result> RunOnStoreAsync(TestProgram program, string store, params string[] settings)
    {
        foreach (var command in new[] { ["artifact-store", "register", store, .. settings], new[] { "stack", "register", "on-" + store, "-s", "local", "-a", store } })
        {
            var registered = await program.RunAsync(command);
            Assert.True(registered.ExitCode == 0, registered.ToString());
        }

        return await program.RunAsync("Flow", "--stack", "on-" + store, "--no-color");
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static IEnumerable<string> ProblemLines(TestProgram.Result result) => Lines(result.Error).Select(l => l.Trim());
}
