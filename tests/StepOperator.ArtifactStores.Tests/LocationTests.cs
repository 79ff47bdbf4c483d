using StepOperator.Azure;
using StepOperator.Flavors;
using StepOperator.S3;

namespace StepOperator.Artifacts.Tests;

/// <summary>Locations, settings and credentials: nothing here talks to a server.</summary>
public sealed class LocationTests
{
    private static readonly Dictionary<string, string> S3Credentials = new()
    {
        ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI-secret",
    };

    private static readonly Dictionary<string, string> AzureCredentials = new()
    {
        ["AZURE_STORAGE_ACCOUNT"] = "devstoreaccount1",
        ["AZURE_STORAGE_KEY"] = "c2VjcmV0LWtleQ==",
    };

    [Fact]
    public void An_s3_location_names_bucket_prefix_endpoint_region_and_path_style_and_opens_back()
    {
        using var store = new S3ArtifactStore(new S3ArtifactStoreSettings
        {
            Bucket = "bucket",
            Prefix = "/team/runs/",
            ServiceUrl = new Uri("http://127.0.0.1:4568"),
            ForcePathStyle = true,
            AccessKeyId = "AKIDEXAMPLE",
            SecretAccessKey = "wJalrXUtnFEMI-secret",
        });

        Assert.Equal("s3://bucket/team/runs?endpoint=http%3A%2F%2F127.0.0.1%3A4568&region=us-east-1&pathStyle=true", store.Location);

        var reopened = Assert.IsType<S3ArtifactStore>(ArtifactStores.Open(store.Location, S3Credentials.GetValueOrDefault));
        Assert.Equal(store.Settings, reopened.Settings);
        Assert.Equal("team/runs/run/a.json", reopened.ObjectKeyOf(ArtifactKey.Parse("run/a.json")));
    }

    [Fact]
    public void An_s3_location_without_endpoint_is_aws_in_its_region()
    {
        var store = Assert.IsType<S3ArtifactStore>(ArtifactStores.Open("s3://bucket?region=eu-west-1", S3Credentials.GetValueOrDefault));

        Assert.Null(store.Settings.ServiceUrl);
        Assert.Equal("eu-west-1", store.Settings.Region);
        Assert.False(store.Settings.ForcePathStyle);
        Assert.Equal("s3://bucket?region=eu-west-1", store.Location);
        store.Dispose();
    }

    [Fact]
    public void An_azblob_location_names_container_prefix_and_endpoint_and_opens_back()
    {
        var store = new AzureBlobArtifactStore(new AzureBlobArtifactStoreSettings
        {
            AccountEndpoint = new Uri("http://127.0.0.1:10000/devstoreaccount1"),
            AccountName = "devstoreaccount1",
            AccountKey = "c2VjcmV0LWtleQ==",
            Container = "container",
            Prefix = "prefix",
        });

        Assert.Equal("azblob://container/prefix?endpoint=http%3A%2F%2F127.0.0.1%3A10000%2Fdevstoreaccount1", store.Location);

        var reopened = Assert.IsType<AzureBlobArtifactStore>(ArtifactStores.Open(store.Location, AzureCredentials.GetValueOrDefault));
        Assert.Equal(store.Settings, reopened.Settings);
    }

    [Fact]
    public void An_azblob_location_without_endpoint_is_the_accounts_public_endpoint()
    {
        var store = Assert.IsType<AzureBlobArtifactStore>(ArtifactStores.Open("azblob://container", AzureCredentials.GetValueOrDefault));

        Assert.Equal("azblob://container?endpoint=https%3A%2F%2Fdevstoreaccount1.blob.core.windows.net", store.Location);
    }

    [Theory]
    [InlineData("s3://bucket/p?endpoint=http%3A%2F%2F127.0.0.1%3A4568", "AWS_ACCESS_KEY_ID")]
    [InlineData("s3://bucket/p?endpoint=http%3A%2F%2F127.0.0.1%3A4568", "AWS_SECRET_ACCESS_KEY")]
    [InlineData("azblob://container/p", "AZURE_STORAGE_ACCOUNT")]
    [InlineData("azblob://container/p", "AZURE_STORAGE_KEY")]
    public void A_missing_credential_names_the_variable_and_the_fix(string location, string variable)
    {
        var environment = S3Credentials.Concat(AzureCredentials).Where(v => v.Key != variable).ToDictionary();

        var error = Assert.Throws<InvalidOperationException>(() => ArtifactStores.Open(location, environment.GetValueOrDefault));

        Assert.Contains(variable, error.Message);
        Assert.Contains("Set " + variable, error.Message);
        Assert.Contains(location, error.Message);
    }

    [Theory]
    [InlineData("ftp://example/x")]
    [InlineData("gs://bucket/x")]
    public void Unknown_schemes_list_the_supported_ones(string location)
    {
        var error = Assert.Throws<ArgumentException>(() => ArtifactStores.Open(location, _ => null));

        Assert.Contains("not supported", error.Message);
        Assert.Contains("file://", error.Message);
        Assert.Contains("s3://", error.Message);
        Assert.Contains("azblob://", error.Message);
    }

    [Theory]
    [InlineData("s3://bucket/p?regoin=us-east-1", "regoin")]
    [InlineData("s3:///p", "no bucket")]
    [InlineData("azblob://container?account=x", "account")]
    [InlineData("s3://bucket/../etc", "Invalid artifact store prefix")]
    [InlineData("s3://bucket/p?endpoint=not-a-url", "not an absolute URL")]
    public void Malformed_remote_locations_say_what_is_wrong(string location, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ArtifactStores.Open(location, S3Credentials.Concat(AzureCredentials).ToDictionary().GetValueOrDefault));

        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Settings_mask_their_secrets()
    {
        var s3 = new S3ArtifactStoreSettings { Bucket = "b", AccessKeyId = "AKIDEXAMPLE", SecretAccessKey = "wJalrXUtnFEMI-secret", SessionToken = "session-token" };
        var azure = new AzureBlobArtifactStoreSettings { AccountName = "account", AccountKey = "c2VjcmV0LWtleQ==", Container = "c" };

        Assert.DoesNotContain("wJalrXUtnFEMI-secret", s3.ToString());
        Assert.DoesNotContain("session-token", s3.ToString());
        Assert.Contains("SecretAccessKey = ***", s3.ToString());
        Assert.Contains("AccessKeyId = AKIDEXAMPLE", s3.ToString());
        Assert.DoesNotContain("c2VjcmV0LWtleQ==", azure.ToString());
        Assert.Contains("AccountKey = ***", azure.ToString());
    }

    [Fact]
    public void A_session_token_travels_to_steps_only_when_there_is_one()
    {
        using var plain = new S3ArtifactStore(new S3ArtifactStoreSettings { Bucket = "b", AccessKeyId = "id", SecretAccessKey = "secret" });
        using var temporary = new S3ArtifactStore(new S3ArtifactStoreSettings { Bucket = "b", AccessKeyId = "id", SecretAccessKey = "secret", SessionToken = "token" });

        Assert.Equal(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"], plain.StepEnvironment.Keys.Order());
        Assert.Equal("token", temporary.StepEnvironment["AWS_SESSION_TOKEN"]);
    }

    [Fact]
    public void Local_locations_still_open_as_local_stores()
    {
        var root = Directory.CreateTempSubdirectory("stepoperator-store-").FullName;
        try
        {
            var store = new LocalArtifactStore(root);
            Assert.Equal(store.Root, Assert.IsType<LocalArtifactStore>(ArtifactStores.Open(store.Location)).Root);
            Assert.Equal(store.Root, Assert.IsType<LocalArtifactStore>(ArtifactStores.Open(root)).Root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
