global using StackExchange.Redis;
global using WebFrontend.Apis;
global using WebFrontend.Model;
global using WebFrontend.Services;
