"""Qt-free audio: conversion to the model's input format, voice activity detection, capture."""
