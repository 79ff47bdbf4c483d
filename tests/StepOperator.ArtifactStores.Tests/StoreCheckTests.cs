using Amazon.Runtime;
using Amazon.S3;
using Azure.Storage;
using Azure.Storage.Blobs;
using StepOperator.Azure;
using StepOperator.S3;

namespace StepOperator.Artifacts.Tests;

/// <summary>
/// The check a run makes of its artifact store before anything starts: reachability, credentials and the bucket or
/// container, each problem in one line that names the store and the fix.
/// </summary>
public sealed class S3StoreCheckTests(S3rverFixture server) : IClassFixture<S3rverFixture>
{
    private static string NewBucket() => "check-" + Guid.NewGuid().ToString("N")[..12];

    [RemoteStoreFact]
    public async Task A_store_that_works_passes_the_check()
    {
        var bucket = NewBucket();
        using var store = new S3ArtifactStore(server.Settings(bucket, "runs"));
        await store.CheckAsync(CancellationToken.None);
        await store.CheckAsync(CancellationToken.None);
    }

    [RemoteStoreFact]
    public async Task An_unknown_access_key_is_one_line_naming_the_store_and_its_credential_settings()
    {
        using var store = new S3ArtifactStore(server.Settings(NewBucket(), "runs") with { AccessKeyId = "NOT-S3RVER" });

        var error = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => store.CheckAsync(CancellationToken.None));
        var message = error.Named("store").Message;

        AssertOneLine(message);
        Assert.StartsWith($"Artifact store 'store' ({Uri.UnescapeDataString(store.Location)}) refused the access key id (InvalidAccessKeyId", message);
        Assert.EndsWith("Fix: dotnet run -- artifact-store update store --access_key_id=<id> --secret_access_key=<secret>", message);
        Assert.DoesNotContain(LocalServers.S3SecretAccessKey + "\"", message);
    }

    [RemoteStoreFact]
    public async Task A_missing_bucket_is_created_by_the_check()
    {
        var bucket = NewBucket();
        using var store = new S3ArtifactStore(server.Settings(bucket, "runs"));

        await store.CheckAsync(CancellationToken.None);

        using var client = new AmazonS3Client(new BasicAWSCredentials(LocalServers.S3AccessKeyId, LocalServers.S3SecretAccessKey),
            new AmazonS3Config { ServiceURL = server.Address, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var buckets = await client.ListBucketsAsync();
        Assert.Contains(bucket, buckets.Buckets.Select(b => b.BucketName));
    }

    [RemoteStoreFact]
    public async Task A_bucket_name_s3_does_not_allow_is_refused_with_the_rule_before_any_request()
    {
        // The name the README's example once had: two characters.
        using var store = new S3ArtifactStore(server.Settings("ml", "runs"));

        var error = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => store.CheckAsync(CancellationToken.None));
        var message = error.Named("store").Message;

        AssertOneLine(message);
        Assert.Contains("names bucket 'ml', which S3 does not allow (it has 2 characters; a bucket name has 3 to 63)", message);
        Assert.EndsWith("Fix: choose a name such as 'ml-artifacts', or dotnet run -- artifact-store update store --bucket=<name>", message);
    }

    [RemoteStoreFact]
    public async Task An_unreachable_endpoint_is_one_line_naming_the_address_and_the_endpoint_setting()
    {
        using var store = new S3ArtifactStore(server.Settings(NewBucket(), "runs") with { ServiceUrl = new Uri("http://127.0.0.1:1") });

        var error = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => store.CheckAsync(CancellationToken.None));
        var message = error.Named("store").Message;

        AssertOneLine(message);
        Assert.Contains("is not reachable at http://127.0.0.1:1 (Connection refused", message);
        Assert.EndsWith("Fix: start the service or correct its address, or dotnet run -- artifact-store update store --endpoint=<url>", message);
    }

    internal static void AssertOneLine(string message)
    {
        Assert.DoesNotContain('\n', message);
        Assert.True(message.Length < 400, message);
    }
}

public sealed class AzureStoreCheckTests(AzuriteFixture server) : IClassFixture<AzuriteFixture>
{
    private static string NewContainer() => "check-" + Guid.NewGuid().ToString("N")[..12];

    [RemoteStoreFact]
    public async Task A_store_that_works_passes_the_check()
    {
        var store = new AzureBlobArtifactStore(server.Settings(NewContainer(), "runs"));
        await store.CheckAsync(CancellationToken.None);
        await store.CheckAsync(CancellationToken.None);
    }

    [RemoteStoreFact]
    public async Task A_wrong_account_key_is_one_line_instead_of_the_services_whole_answer()
    {
        var store = new AzureBlobArtifactStore(server.Settings(NewContainer(), "runs") with { AccountKey = Convert.ToBase64String(new byte[64]) });

        var error = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => store.CheckAsync(CancellationToken.None));
        var message = error.Named("blobs").Message;

        S3StoreCheckTests.AssertOneLine(message);
        Assert.StartsWith($"Artifact store 'blobs' ({Uri.UnescapeDataString(store.Location)}) refused the account key of storage account '{LocalServers.AzuriteAccount}' (403", message);
        Assert.EndsWith($"Fix: dotnet run -- artifact-store update blobs --account_name=<account> --account_key=<key of storage account '{LocalServers.AzuriteAccount}'>", message);
        Assert.DoesNotContain("RequestId", message);
    }

    [RemoteStoreFact]
    public async Task A_missing_container_is_created_by_the_check()
    {
        var container = NewContainer();
        var store = new AzureBlobArtifactStore(server.Settings(container, "runs"));

        await store.CheckAsync(CancellationToken.None);

        var service = new BlobServiceClient(new Uri(server.Address), new StorageSharedKeyCredential(LocalServers.AzuriteAccount, LocalServers.AzuriteKey));
        Assert.True((await service.GetBlobContainerClient(container).ExistsAsync()).Value);
    }

    [RemoteStoreFact]
    public async Task A_container_name_azure_does_not_allow_is_refused_with_the_rule()
    {
        var store = new AzureBlobArtifactStore(server.Settings("ml", "runs"));

        var error = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => store.CheckAsync(CancellationToken.None));
        var message = error.Named("blobs").Message;

        S3StoreCheckTests.AssertOneLine(message);
        Assert.Contains("names container 'ml', which Azure does not allow (it has 2 characters; a container name has 3 to 63)", message);
        Assert.EndsWith("dotnet run -- artifact-store update blobs --container=<name>", message);
    }

    [RemoteStoreFact]
    public async Task An_unreachable_endpoint_is_one_line_naming_the_address_and_the_endpoint_setting()
    {
        var store = new AzureBlobArtifactStore(server.Settings(NewContainer(), "runs") with { AccountEndpoint = new Uri("http://127.0.0.1:1/devstoreaccount1") });

        var error = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => store.CheckAsync(CancellationToken.None));
        var message = error.Named("blobs").Message;

        S3StoreCheckTests.AssertOneLine(message);
        Assert.Contains("is not reachable at http://127.0.0.1:1/devstoreaccount1 (Connection refused", message);
        Assert.EndsWith("Fix: start the service or correct its address, or dotnet run -- artifact-store update blobs --endpoint=<url>", message);
    }
}
