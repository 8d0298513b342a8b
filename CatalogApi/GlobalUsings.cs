global using CatalogApi.Apis;
