using System.Text.RegularExpressions;
using StepOperator.Artifacts;
using StepOperator.Flavors;
using StepOperator.Runs;
using StepOperator.S3;

namespace StepOperator.EndToEnd.Tests;

/// <summary>The sample on a registered docker stack whose artifact store is S3 (s3rver) or Azure Blob (Azurite).</summary>
[Collection(DockerCollection.Name)]
public class RemoteStoreStackTests(DockerEnvironment docker)
{
    private static IEnumerable<string> MetricLines(string output) =>
        Regex.Matches(output, @"^(train|test) +accuracy .*$", RegexOptions.Multiline).Select(m => m.Value);

    [RegistryFact]
    public async Task The_sample_runs_on_docker_with_the_s3_store_and_its_artifacts_are_in_the_server()
    {
        await using var s3 = await LocalServers.StartS3rverAsync(RepositoryPaths.Root);
        await RunOnStoreAsync(
            ["--flavor=s3", "--bucket=stepoperator-runs", "--prefix=sample", $"--endpoint={s3.Address}",
             $"--access_key_id={LocalServers.S3AccessKeyId}", $"--secret_access_key={LocalServers.S3SecretAccessKey}"],
            "s3://stepoperator-runs/sample");
    }

    [RegistryFact]
    public async Task The_sample_runs_on_docker_with_the_azure_store_and_its_artifacts_are_in_the_server()
    {
        await using var azurite = await LocalServers.StartAzuriteAsync(RepositoryPaths.Root);
        await RunOnStoreAsync(
            ["--flavor=azure", "--container=stepoperator-runs", "--prefix=sample", $"--endpoint={azurite.Address}",
             $"--account_name={LocalServers.AzuriteAccount}", $"--account_key={LocalServers.AzuriteKey}"],
            "azblob://stepoperator-runs/sample");
    }

    private async Task RunOnStoreAsync(string[] storeSettings, string expectedLocation)
    {
        using var local = new TestProgram("TrainingPipeline", "samples");
        var localRun = await local.RunAsync();
        Assert.True(localRun.ExitCode == 0, localRun.ToString());

        using var program = new TestProgram("TrainingPipeline", "samples");
        docker.Configure(program);
        async Task Command(params string[] arguments)
        {
            var result = await program.RunAsync(arguments);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        await Command(["artifact-store", "register", "remote", .. storeSettings]);
        await Command("container-registry", "register", "test-registry", "--flavor=default", $"--server={docker.Registry}",
            $"--username={docker.RegistryUser}", $"--password={docker.RegistryPassword}");
        await Command("stack", "register", "remote-docker", "-o", "docker", "-s", "docker", "-a", "remote", "-c", "test-registry", "-i", "docker");

        var run = await program.RunAsync("--stack", "remote-docker");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(MetricLines(localRun.Output), MetricLines(run.Output));
        Assert.Equal(2, MetricLines(run.Output).Count());
        var record = program.OnlyRun();
        Assert.StartsWith(expectedLocation, record.ArtifactStore);
        Assert.DoesNotContain(LocalServers.AzuriteKey, File.ReadAllText(Path.Combine(program.Home, "runs", record.RunId, "run.json")) + run.Output + run.Error);

        // Every step's output is in the server (the run directory holds only the record).
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", LocalServers.S3AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", LocalServers.S3SecretAccessKey);
        Environment.SetEnvironmentVariable("AZURE_STORAGE_ACCOUNT", LocalServers.AzuriteAccount);
        Environment.SetEnvironmentVariable("AZURE_STORAGE_KEY", LocalServers.AzuriteKey);
        var store = ArtifactStores.Open(record.ArtifactStore);
        Assert.Equal(5, record.Steps.Count);
        foreach (var step in record.Steps)
        {
            Assert.Equal(StepStatus.Succeeded, step.Status);
            Assert.True(await store.ExistsAsync(ArtifactKey.Parse(step.Output!.Key), CancellationToken.None), $"{step.Output.Key} is not in {record.ArtifactStore}");
            Assert.False(File.Exists(Path.Combine(program.Home, "runs", step.Output.Key)));
        }
    }
}
